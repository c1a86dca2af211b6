import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sameImageProbability } from '../src/image/sameImageProbability.js';
import { float32UlpDistance } from '../src/testing/float32Ulps.js';
import { loadXgbModel } from '../src/xgboost/loadModel.js';
import { predict } from '../src/xgboost/predict.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const modelPath = fileURLToPath(new URL('../models/reward-model.json', import.meta.url));
const metaPath = fileURLToPath(new URL('../models/reward-model.meta.json', import.meta.url));

interface Meta {
  features: string[];
  threshold: number;
  heldOutAuc: number;
  heldOutFalseAcceptRate: number;
}

/** Every combination of a few hash distances, the reward model's whole input range sampled. */
function grid(): number[][] {
  const rows: number[][] = [];
  for (const a of [0, 1, 3, 6, 10, 20, 32, 64]) {
    for (const p of [0, 2, 5, 12, 24, 40]) {
      for (const d of [0, 1, 4, 9, 18, 36]) {
        for (const c of [0, 1, 3, 8, 20]) rows.push([a, p, d, c]);
      }
    }
  }
  return rows;
}

describe('the shipped reward model', () => {
  const text = readFileSync(modelPath, 'utf8');
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Meta;
  const model = loadXgbModel(text);

  it('is a binary:logistic model over the four hash distances', () => {
    expect(model.objective).toBe('binary:logistic');
    expect(meta.features).toEqual(['ahash', 'phash', 'dhash', 'chash']);
    expect(model.numFeature).toBe(4);
    expect(model.featureNames).toEqual(meta.features);
  });

  it('accepts identical hashes and rejects unrelated images at the shipped threshold', () => {
    const [same, unrelated] = predict(model, [
      [0, 0, 0, 0],
      [30, 32, 32, 10],
    ]);
    expect(same).toBeGreaterThanOrEqual(meta.threshold);
    expect(unrelated).toBeLessThan(meta.threshold);
  });

  it('scores image hashes end to end through sameImageProbability', () => {
    const hashes = {
      average: 'ffff0000ffff0000',
      perceptual: 'c3e525ca4b3256a7',
      difference: 'c2c3c8183108e8e7',
      color: '030c1200008',
    };
    const far = {
      average: '0000ffff0000ffff',
      perceptual: '3c1ada35b4cda958',
      difference: '3d3c37e7cef71718',
      color: '70000b00000',
    };
    const same = sameImageProbability(model, hashes, hashes);
    expect(same).toBe(predict(model, [[0, 0, 0, 0]])[0]);
    expect(same).toBeGreaterThanOrEqual(meta.threshold);
    expect(sameImageProbability(model, hashes, far)).toBeLessThan(meta.threshold);
    expect(() =>
      sameImageProbability(
        loadXgbModel({
          ...JSON.parse(text),
          learner: { ...JSON.parse(text).learner, objective: { name: 'reg:squarederror' } },
        }),
        hashes,
        hashes,
      ),
    ).toThrow(expect.objectContaining({ code: 'SCORING_MODEL_UNSUPPORTED' }));
  });

  it('predicts what PyPI xgboost predicts for it (within one float32 ulp)', () => {
    const rows = grid();
    const script = [
      'import json, sys, numpy as np, xgboost as xgb',
      'b = xgb.Booster(model_file=sys.argv[1])',
      'x = np.array(json.loads(sys.stdin.read()), dtype=np.float32)',
      'print(json.dumps([float(v) for v in b.predict(xgb.DMatrix(x, feature_names=b.feature_names))]))',
    ].join('\n');
    const oracle = JSON.parse(
      execFileSync(join(repoRoot, '.venv/bin/python'), ['-c', script, modelPath], {
        input: JSON.stringify(rows),
        encoding: 'utf8',
      }),
    ) as number[];
    const ours = predict(model, rows);
    expect(ours.length).toBe(oracle.length);
    const worst = Array.from(ours).reduce(
      (m, v, i) => Math.max(m, float32UlpDistance(v, oracle[i] as number)),
      0,
    );
    expect(worst).toBeLessThanOrEqual(1);
  });
});
