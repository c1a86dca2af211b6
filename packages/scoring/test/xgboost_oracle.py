"""Oracle for the evaluator parity tests: trains XGBoost models with fixed seeds and writes each
model's JSON together with test rows and XGBoost's own predictions (margins and transformed).

usage: python xgboost_oracle.py OUT_DIR
"""

import json
import sys
from pathlib import Path

import numpy as np
import xgboost as xgb


def features(rng, n, d, missing):
    x = rng.normal(size=(n, d)).astype(np.float32)
    x[:, 1] = np.round(x[:, 1] * 3)  # a column with ties
    x[rng.random(x.shape) < missing] = np.nan
    return x


def split_values(booster):
    """Rows whose values sit exactly on split thresholds, to pin down `<` against `<=`."""
    model = json.loads(booster.save_raw("json"))
    out = []
    for tree in model["learner"]["gradient_booster"]["model"]["trees"][:20]:
        for node, left in enumerate(tree["left_children"]):
            if left != -1:
                out.append((tree["split_indices"][node], tree["split_conditions"][node]))
    return out


def test_rows(rng, booster, d):
    x = features(rng, 300, d, 0.15)
    for i, (feat, cond) in enumerate(split_values(booster)[:100]):
        x[i, feat] = np.float32(cond)
    x[300 - 5 :, :] = np.nan  # rows with every value missing
    return x


def encode(matrix):
    return [[None if np.isnan(v) else float(v) for v in row] for row in matrix]


def train(name, params, label_fn, rounds, d=8, seed=11):
    rng = np.random.default_rng(seed)
    x = features(rng, 800, d, 0.1)
    y = label_fn(x, rng)
    booster = xgb.train(params, xgb.DMatrix(x, label=y), num_boost_round=rounds)
    rows = test_rows(rng, booster, d)
    dm = xgb.DMatrix(rows)
    margin = booster.predict(dm, output_margin=True)
    pred = booster.predict(dm)
    return name, booster, {
        "rows": encode(rows),
        "margin": [float(v) for v in np.asarray(margin, dtype=np.float32).ravel()],
        "pred": [float(v) for v in np.asarray(pred, dtype=np.float32).ravel()],
    }


def signal(x):
    z = np.nan_to_num(x, nan=0.0)
    return z[:, 0] * 1.5 - z[:, 1] * 0.7 + np.sin(z[:, 2] * 2) + z[:, 3] * z[:, 4]


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    base = {"max_depth": 5, "eta": 0.3, "seed": 7, "nthread": 1}
    runs = [
        train(
            "logistic",
            {**base, "objective": "binary:logistic"},
            lambda x, rng: (signal(x) + rng.normal(size=len(x)) > 0).astype(np.float32),
            40,
        ),
        train(
            "squarederror",
            {**base, "objective": "reg:squarederror"},
            lambda x, rng: (signal(x) * 10 + rng.normal(size=len(x))).astype(np.float32),
            60,
        ),
        train(
            "softprob",
            {**base, "objective": "multi:softprob", "num_class": 4},
            lambda x, rng: np.digitize(signal(x) + rng.normal(size=len(x)) * 0.5, [-1, 0, 1]).astype(
                np.float32
            ),
            25,
        ),
        train(
            "softmax",
            {**base, "objective": "multi:softmax", "num_class": 3},
            lambda x, rng: np.digitize(signal(x) + rng.normal(size=len(x)) * 0.5, [-0.5, 0.5]).astype(np.float32),
            10,
        ),
        train(
            "logitraw",
            {**base, "objective": "binary:logitraw"},
            lambda x, rng: (signal(x) + rng.normal(size=len(x)) > 0.3).astype(np.float32),
            15,
        ),
        train(
            "forest",
            {
                **base,
                "objective": "binary:logistic",
                "num_parallel_tree": 3,
                "subsample": 0.7,
                "colsample_bynode": 0.6,
                "base_score": 0.3,
            },
            lambda x, rng: (signal(x) > 0.5).astype(np.float32),
            8,
        ),
    ]
    manifest = {}
    for name, booster, data in runs:
        booster.save_model(str(out / f"{name}.json"))
        (out / f"{name}.oracle.json").write_text(json.dumps(data))
        manifest[name] = booster.attributes()

    rng = np.random.default_rng(3)
    x = features(rng, 200, 4, 0.0)
    y = (x[:, 0] > 0).astype(np.float32)
    dart = xgb.train({"booster": "dart", "objective": "binary:logistic", "seed": 1}, xgb.DMatrix(x, label=y), 3)
    dart.save_model(str(out / "dart.json"))
    linear = xgb.train({"booster": "gblinear", "objective": "reg:squarederror"}, xgb.DMatrix(x, label=y), 3)
    linear.save_model(str(out / "gblinear.json"))
    cats = x.copy()
    cats[:, 0] = rng.integers(0, 5, size=len(cats))
    dm = xgb.DMatrix(cats, label=(cats[:, 0] == 2).astype(np.float32), feature_types=["c", "q", "q", "q"], enable_categorical=True)
    categorical = xgb.train({"objective": "binary:logistic", "max_cat_to_onehot": 1, "seed": 1}, dm, 3)
    categorical.save_model(str(out / "categorical.json"))
    print(json.dumps({"xgboost": xgb.__version__, "models": sorted(manifest)}))


if __name__ == "__main__":
    main()
