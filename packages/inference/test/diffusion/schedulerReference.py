"""Reference scheduler tables for the scheduler tests, computed with numpy from the published
definitions (SD/SDXL configs: scaled_linear betas 0.00085..0.012, 1000 train steps), written
without reference to the TypeScript code. Prints one JSON document on stdout.

Each case also runs one step of the sampler on a fixed sample/eps (and, for samplers that add
noise, a fixed noise vector) so the step rule is checked, not only the tables."""

import json

import numpy as np

T = 1000
betas = np.linspace(0.00085**0.5, 0.012**0.5, T, dtype=np.float64) ** 2
ac = np.cumprod(1.0 - betas)
n = 16
sample = np.sin(np.arange(n) * 0.7) * 3.0
eps = np.cos(np.arange(n) * 1.3)
noise = np.sin(np.arange(n) * 2.1 + 0.5)


def spaced(steps, spacing, offset):
    if spacing == "leading":
        ratio = T // steps
        return (np.arange(0, steps) * ratio).round()[::-1].astype(np.float64) + offset
    if spacing == "trailing":
        return np.round(np.arange(T, 0, -T / steps)).astype(np.float64) - 1
    return np.linspace(0, T - 1, steps, dtype=np.float64)[::-1].copy()


def euler(steps, spacing, ancestral):
    ts = spaced(steps, spacing, 1)
    table = ((1 - ac) / ac) ** 0.5
    sig = np.interp(ts, np.arange(T), table)
    sig = np.concatenate([sig, [0.0]])
    init = sig.max() if spacing in ("linspace", "trailing") else (sig.max() ** 2 + 1) ** 0.5
    # Step 0.
    s0, s1 = sig[0], sig[1]
    model_in = sample / (s0**2 + 1) ** 0.5
    x0 = sample - s0 * eps
    d = (sample - x0) / s0
    if ancestral:
        up = (s1**2 * (s0**2 - s1**2) / s0**2) ** 0.5
        down = (s1**2 - up**2) ** 0.5
        nxt = sample + d * (down - s0) + noise * up
    else:
        nxt = sample + d * (s1 - s0)
    return {
        "timesteps": ts.tolist(),
        "sigmas": sig.tolist(),
        "init": float(init),
        "modelInput": model_in.tolist(),
        "step0": nxt.tolist(),
    }


def ddim(steps, spacing, alpha_to_one):
    ts = np.round(spaced(steps, spacing, 1)).astype(np.int64)
    final = 1.0 if alpha_to_one else ac[0]
    out_prev = []
    for t in ts:
        p = t - T // steps
        out_prev.append(float(ac[p]) if p >= 0 else float(final))
    a, ap = ac[ts[0]], out_prev[0]
    x0 = (sample - (1 - a) ** 0.5 * eps) / a**0.5
    nxt = ap**0.5 * x0 + (1 - ap) ** 0.5 * eps
    return {"timesteps": ts.astype(float).tolist(), "alphasPrev": out_prev, "step0": nxt.tolist()}


def lcm(steps, original=50):
    k = T // original
    origin = np.asarray(list(range(1, original + 1))) * k - 1
    origin = origin[::-1].copy()
    idx = np.floor(np.linspace(0, len(origin), num=steps, endpoint=False)).astype(np.int64)
    ts = origin[idx]
    out = {"timesteps": ts.astype(float).tolist(), "cSkip": [], "cOut": []}
    for t in ts:
        u = t / 0.1
        out["cSkip"].append(0.5**2 / (u**2 + 0.5**2))
        out["cOut"].append(u / (u**2 + 0.5**2) ** 0.5)
    t = ts[0]
    a = ac[t]
    x0 = (sample - (1 - a) ** 0.5 * eps) / a**0.5
    den = out["cOut"][0] * x0 + out["cSkip"][0] * sample
    if len(ts) > 1:
        ap = ac[ts[1]]
        nxt = ap**0.5 * den + (1 - ap) ** 0.5 * noise
    else:
        nxt = den
    out["step0"] = nxt.tolist()
    return out


cases = {}
for steps in (1, 4, 10, 25, 50):
    for spacing in ("leading", "trailing", "linspace"):
        cases[f"euler/{spacing}/{steps}"] = euler(steps, spacing, False)
        cases[f"euler_ancestral/{spacing}/{steps}"] = euler(steps, spacing, True)
    for spacing in ("leading", "trailing", "linspace"):
        cases[f"ddim/{spacing}/{steps}"] = ddim(steps, spacing, False)
        cases[f"ddim-one/{spacing}/{steps}"] = ddim(steps, spacing, True)
for steps in (1, 2, 4, 6, 8, 50):
    cases[f"lcm/{steps}"] = lcm(steps)

print(
    json.dumps(
        {
            "alphasCumprod": ac.tolist(),
            "sample": sample.tolist(),
            "eps": eps.tolist(),
            "noise": noise.tolist(),
            "cases": cases,
        }
    )
)
