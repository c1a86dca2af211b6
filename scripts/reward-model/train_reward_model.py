"""Trains the validator's reward model with XGBoost from the dataset builder's CSV.

Rows are pairs (reference image, candidate image) labelled 1 when the candidate came from the
same parameters (re-run with real-world variation) and 0 when it is a cheat. Scenes are split
into training and held-out sets (every fifth scene held out), so held-out figures are measured
on pictures the model never saw. The decision threshold is chosen on the training scenes
(maximising true-accept minus false-accept rate) and then measured on the held-out scenes.

The features are the four hash distances and the full-resolution detail ratio (high-frequency
energy of the candidate over the reference's), which catches resized and blurred cheats that the
thumbnail hashes cannot see. The CSV holds two more full-resolution figures that are not default
features, each with its flag to train with it for comparison:

- `--with-psnr` (luma PSNR): an honest lossy round trip lowers it by an amount that depends on
  the picture (JPEG q90: 44-50 dB on these scenes, 34 dB on a textured one), so a model that
  learns the scenes' PSNR refuses honest answers on textured pictures.
- `--with-color` (color shift, RMS difference of 16x16 cell mean colours): it catches most
  cached near-prompt images, but the model then leans on it so much that two different
  noise-like pictures of the same grey (the test diffusion models' outputs) get up to 9% where
  the default model gives them under 0.1%.

`--hashes-only` trains on the four hash distances alone (the earlier model); `--with-clip` adds
the CLIP stand-in similarity.

usage: python train_reward_model.py CSV MODEL_JSON META_JSON [--hashes-only] [--with-psnr]
       [--with-color] [--with-clip]
"""

import csv
import json
import sys
from collections import defaultdict

import numpy as np
import xgboost as xgb

HASH_FEATURES = ["ahash", "phash", "dhash", "chash"]
DETAIL_FEATURES = ["detail_ratio"]
PARAMS = {
    "objective": "binary:logistic",
    "max_depth": 3,
    "eta": 0.1,
    "subsample": 0.8,
    "min_child_weight": 2,
    "seed": 0,
    "nthread": 1,
    "eval_metric": "logloss",
}
ROUNDS = 150


def auc(scores, labels):
    """Area under the ROC curve as the Mann-Whitney statistic (ties count half)."""
    order = np.argsort(scores, kind="mergesort")
    s = np.asarray(scores)[order]
    y = np.asarray(labels)[order]
    ranks = np.empty(len(s))
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[i : j + 1] = (i + j) / 2 + 1
        i = j + 1
    pos = y == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def rates(scores, labels, threshold):
    accepted = np.asarray(scores) >= threshold
    y = np.asarray(labels) == 1
    return float(accepted[y].mean()), float(accepted[~y].mean())


def choose_threshold(scores, labels):
    best, best_t = -1.0, 0.5
    for t in sorted(set(float(s) for s in scores)):
        tar, far = rates(scores, labels, t)
        if tar - far > best:
            best, best_t = tar - far, t
    return best_t


def main():
    csv_path, model_path, meta_path = sys.argv[1:4]
    features = HASH_FEATURES + ([] if "--hashes-only" in sys.argv else DETAIL_FEATURES)
    features += ["color_shift"] if "--with-color" in sys.argv else []
    features += ["luma_psnr"] if "--with-psnr" in sys.argv else []
    features += ["clip_standin"] if "--with-clip" in sys.argv else []
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    x = np.array([[float(r[c]) for c in features] for r in rows], dtype=np.float32)
    y = np.array([int(r["label"]) for r in rows], dtype=np.float32)
    held = np.array([int(r["scene"]) % 5 == 0 for r in rows])
    kinds = np.array([r["kind"] for r in rows])

    train = xgb.DMatrix(x[~held], label=y[~held], feature_names=features)
    test = xgb.DMatrix(x[held], label=y[held], feature_names=features)
    booster = xgb.train(PARAMS, train, ROUNDS, evals=[(test, "held_out")], verbose_eval=False)

    threshold = choose_threshold(booster.predict(train), y[~held])
    p_test = booster.predict(test)
    tar, far = rates(p_test, y[held], threshold)
    per_kind = defaultdict(dict)
    for kind in sorted(set(kinds[held])):
        mask = kinds[held] == kind
        per_kind[kind] = {
            "label": int(y[held][mask][0]),
            "acceptedRate": round(float((p_test[mask] >= threshold).mean()), 4),
            "rows": int(mask.sum()),
        }
    meta = {
        "features": features,
        "threshold": threshold,
        "heldOutAuc": round(auc(p_test, y[held]), 4),
        "heldOutFalseAcceptRate": round(far, 4),
        "heldOutTrueAcceptRate": round(tar, 4),
        "trainRows": int((~held).sum()),
        "heldOutRows": int(held.sum()),
        "perKindHeldOut": per_kind,
        "xgboost": xgb.__version__,
        "params": {**PARAMS, "rounds": ROUNDS},
    }
    booster.save_model(model_path)
    with open(meta_path, "w") as f:
        f.write(json.dumps(meta, indent=2) + "\n")
    print(f"held-out AUC {meta['heldOutAuc']}")
    print(f"threshold {threshold:.6f} (chosen on the training scenes)")
    print(f"held-out false-accept rate {far:.4f}, true-accept rate {tar:.4f}")
    for kind, v in per_kind.items():
        print(f"  {kind:20s} label {v['label']}  accepted {v['acceptedRate']:.3f}  ({v['rows']} pairs)")


if __name__ == "__main__":
    main()
