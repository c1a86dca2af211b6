import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REWARD_MODEL_FEATURES, sameImageProbability } from '../src/image/sameImageProbability.js';
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

/**
 * The reward model's input range sampled: a few hash-distance tuples, each with a range of detail
 * ratios (including the exact copy's 1).
 */
function grid(): number[][] {
  const hashes: number[][] = [];
  for (const a of [0, 1, 3, 10, 32]) {
    for (const p of [0, 2, 5, 24]) {
      for (const d of [0, 1, 4, 18]) {
        for (const c of [0, 1, 3, 8]) hashes.push([a, p, d, c]);
      }
    }
  }
  const rows: number[][] = [];
  for (const h of hashes) {
    for (const ratio of [
      0, 0.02, 0.1, 0.2, 0.25, 0.27, 0.3, 0.4, 0.6, 0.8, 0.95, 1, 1.2, 2, 5, 10,
    ]) {
      rows.push([...h, ratio]);
    }
  }
  return rows;
}

describe('the shipped reward model', () => {
  const text = readFileSync(modelPath, 'utf8');
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Meta;
  const model = loadXgbModel(text);

  it('is a binary:logistic model over the four hash distances and the detail ratio', () => {
    expect(model.objective).toBe('binary:logistic');
    expect(meta.features).toEqual([...REWARD_MODEL_FEATURES]);
    expect(model.numFeature).toBe(5);
    expect(model.featureNames).toEqual(meta.features);
  });

  it('accepts an exact copy and a lossy round trip; rejects unrelated, blurred and upscaled images', () => {
    const [exact, jpeg, unrelated, blurred, upscaled] = predict(model, [
      [0, 0, 0, 0, 1],
      [0, 0, 1, 0, 0.9],
      [30, 32, 32, 10, 1],
      // The hashes of a blurred or small-then-upscaled copy match; only its detail is gone.
      [0, 0, 1, 0, 0.08],
      [1, 0, 2, 0, 0.05],
    ]);
    expect([exact, jpeg, unrelated, blurred, upscaled]).toMatchInlineSnapshot(`
      [
        0.9993703961372375,
        0.9891985058784485,
        0.0001426415692549199,
        0.0016506621614098549,
        0.007822692394256592,
      ]
    `);
    expect(exact).toBeGreaterThanOrEqual(meta.threshold);
    expect(jpeg).toBeGreaterThanOrEqual(meta.threshold);
    expect(unrelated).toBeLessThan(meta.threshold);
    expect(blurred).toBeLessThan(meta.threshold);
    expect(upscaled).toBeLessThan(meta.threshold);
  });

  it('scores image pairs end to end through sameImageProbability', () => {
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
    const copy = { detailRatio: 1 };
    const same = sameImageProbability(model, {
      reference: hashes,
      candidate: hashes,
      detail: copy,
    });
    expect(same).toBe(predict(model, [[0, 0, 0, 0, 1]])[0]);
    expect(same).toBeGreaterThanOrEqual(meta.threshold);
    const blurred = { detailRatio: 0.07 };
    expect(
      sameImageProbability(model, { reference: hashes, candidate: hashes, detail: blurred }),
    ).toBeLessThan(meta.threshold);
    expect(
      sameImageProbability(model, { reference: hashes, candidate: far, detail: copy }),
    ).toBeLessThan(meta.threshold);
    expect(() =>
      sameImageProbability(
        loadXgbModel({
          ...JSON.parse(text),
          learner: { ...JSON.parse(text).learner, objective: { name: 'reg:squarederror' } },
        }),
        { reference: hashes, candidate: hashes, detail: copy },
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
