/** Training beta schedules the Kandinsky schedulers use (names as in diffusers' configs). */
export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';

const f32 = Math.fround;

/**
 * The training schedule as diffusers holds it (float32 tensors): betas rounded to float32
 * (`squaredcos_cap_v2`: beta_i = min(1 - g((i + 1)/T) / g(i/T), 0.999) with
 * g(x) = cos((x + 0.008) / 1.008 · π/2)²; `linear` / `scaled_linear` as the SD schedules),
 * alphā_t = Π_{s≤t} (1 - beta_s) accumulated in float64 over the float32 factors and rounded to
 * float32, as torch.cumprod does. Near t = 0 and t = T the float32 rounding changes the sampler's
 * coefficients by up to ~1e-3 (1 - alphā_0 is a few ulps), so it is kept for parity.
 */
export function betaScheduleAlphas(options: {
  schedule: BetaSchedule;
  trainTimesteps: number;
  betaStart: number;
  betaEnd: number;
}): { betas: Float64Array; alphasCumprod: Float64Array } {
  const T = options.trainTimesteps;
  const betas = new Float64Array(T);
  if (options.schedule === 'squaredcos_cap_v2') {
    const g = (x: number) => Math.cos(((x + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (let i = 0; i < T; i++) betas[i] = f32(Math.min(1 - g((i + 1) / T) / g(i / T), 0.999));
  } else {
    const scaled = options.schedule === 'scaled_linear';
    const [lo, hi] = scaled
      ? [Math.sqrt(options.betaStart), Math.sqrt(options.betaEnd)]
      : [options.betaStart, options.betaEnd];
    for (let i = 0; i < T; i++) {
      const b = lo + ((hi - lo) * i) / (T - 1);
      betas[i] = f32(scaled ? b * b : b);
    }
  }
  const alphasCumprod = new Float64Array(T);
  let product = 1;
  for (let i = 0; i < T; i++) {
    product *= f32(1 - (betas[i] as number));
    alphasCumprod[i] = f32(product);
  }
  return { betas, alphasCumprod };
}

/** Standard normal noise of one step (or none: a step at t = 0 draws nothing). */
export type StepNoise = (stepIndex: number, dims: readonly number[]) => Float32Array;

/**
 * One DDPM-family step's deterministic part, in float32 as diffusers computes it: the clean
 * estimate x0 (from the model output m: (x - √(1-a) m) / √a for `epsilon`, m for `sample`,
 * √a x - √(1-a) m for `v_prediction`), clipped to ±clip when set, then
 * mean = c0 · x0 + c1 · x with c0 = √a' beta / (1 - a), c1 = √alpha (1 - a') / (1 - a), where
 * a = alphā_t, a' = alphā_{t'} (1 after the last step), alpha = 1 - beta.
 */
export function posteriorMean(options: {
  a: number;
  aPrev: number;
  beta: number;
  alpha: number;
  prediction: 'epsilon' | 'sample' | 'v_prediction';
  clip: number | undefined;
  model: Float32Array;
  sample: Float32Array;
}): Float32Array {
  const { a, aPrev, beta, alpha, model, sample } = options;
  const bp = f32(1 - a);
  const c0 = f32(f32(f32(Math.sqrt(aPrev)) * beta) / bp);
  const c1 = f32(f32(f32(Math.sqrt(alpha)) * f32(1 - aPrev)) / bp);
  const sa = f32(Math.sqrt(a));
  const sb = f32(Math.sqrt(bp));
  const clip = options.clip ?? Number.POSITIVE_INFINITY;
  const out = new Float32Array(sample.length);
  for (let j = 0; j < sample.length; j++) {
    const x = sample[j] as number;
    const m = model[j] as number;
    let x0 =
      options.prediction === 'epsilon'
        ? f32(f32(x - f32(sb * m)) / sa)
        : options.prediction === 'sample'
          ? m
          : f32(f32(sa * x) - f32(sb * m));
    x0 = Math.min(clip, Math.max(-clip, x0));
    out[j] = f32(f32(c0 * x0) + f32(c1 * x));
  }
  return out;
}
