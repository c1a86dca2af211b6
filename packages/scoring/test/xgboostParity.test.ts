import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoringError } from '../src/errors.js';
import { float32UlpDistance } from '../src/testing/float32Ulps.js';
import { loadXgbModel } from '../src/xgboost/loadModel.js';
import { predict, predictMargin } from '../src/xgboost/predict.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const python = join(repoRoot, '.venv/bin/python');
const oracleScript = fileURLToPath(new URL('./xgboost_oracle.py', import.meta.url));

interface Oracle {
  rows: (number | null)[][];
  margin: number[];
  pred: number[];
}

let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scoring-xgb-'));
  execFileSync(python, [oracleScript, dir], { stdio: 'pipe' });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function loader(compile: boolean) {
  return (name: string) => {
    const text = readFileSync(join(dir, `${name}.json`), 'utf8');
    const oracle = JSON.parse(readFileSync(join(dir, `${name}.oracle.json`), 'utf8')) as Oracle;
    const rows = oracle.rows.map((row) => row.map((v) => (v === null ? Number.NaN : v)));
    const model = loadXgbModel(text, { compile });
    expect(model.kernels !== undefined).toBe(compile);
    return { model, oracle, rows };
  };
}

function maxUlps(ours: Float32Array, theirs: readonly number[]): number {
  expect(ours.length).toBe(theirs.length);
  let worst = 0;
  ours.forEach((v, i) => {
    worst = Math.max(worst, float32UlpDistance(v, theirs[i] as number));
  });
  return worst;
}

describe.each([
  ['compiled', true],
  ['interpreted', false],
])('XGBoost parity with PyPI xgboost 3.2 (%s)', (_mode, compile) => {
  const load = loader(compile);

  it('reg:squarederror: margins and predictions are bit-identical', () => {
    const { model, oracle, rows } = load('squarederror');
    expect(model.objective).toBe('reg:squarederror');
    expect(rows.some((row) => row.some(Number.isNaN))).toBe(true);
    expect(Array.from(predictMargin(model, rows))).toEqual(oracle.margin);
    expect(Array.from(predict(model, rows))).toEqual(oracle.pred);
  });

  it('binary:logistic: margins are bit-identical, probabilities within one float32 ulp', () => {
    const { model, oracle, rows } = load('logistic');
    expect(model.numGroup).toBe(1);
    expect(Array.from(predictMargin(model, rows))).toEqual(oracle.margin);
    expect(maxUlps(predict(model, rows), oracle.pred)).toBeLessThanOrEqual(1);
  });

  it('multi:softprob: per-class margins bit-identical, probabilities within one ulp', () => {
    const { model, oracle, rows } = load('softprob');
    expect(model.numGroup).toBe(4);
    expect(model.baseMargin.length).toBe(4);
    expect(Array.from(predictMargin(model, rows))).toEqual(oracle.margin);
    expect(maxUlps(predict(model, rows), oracle.pred)).toBeLessThanOrEqual(1);
  });

  it('parallel trees with a user base_score (logit link on 0.3) match too', () => {
    const { model, oracle, rows } = load('forest');
    expect(Array.from(predictMargin(model, rows))).toEqual(oracle.margin);
    expect(maxUlps(predict(model, rows), oracle.pred)).toBeLessThanOrEqual(1);
  });

  it('multi:softmax: the predicted class is the arg-max of bit-identical margins', () => {
    const { model, oracle, rows } = load('softmax');
    expect(model.numGroup).toBe(3);
    expect(Array.from(predictMargin(model, rows))).toEqual(oracle.margin);
    expect(Array.from(predict(model, rows))).toEqual(oracle.pred);
  });

  it('binary:logitraw: base_score is already a margin, predictions are the margins', () => {
    const { model, oracle, rows } = load('logitraw');
    expect(Array.from(predict(model, rows))).toEqual(oracle.pred);
    expect(oracle.pred).toEqual(oracle.margin);
  });

  it('takes a dense Float32Array matrix with the same results', () => {
    const { model, oracle, rows } = load('logistic');
    const data = new Float32Array(rows.flat());
    expect(Array.from(predictMargin(model, { data, nRows: rows.length }))).toEqual(oracle.margin);
  });

  it.each([
    ['dart', /booster "dart"/],
    ['gblinear', /booster "gblinear"/],
    ['categorical', /categorical splits/],
  ])('refuses the %s model at load with SCORING_MODEL_UNSUPPORTED', (name, message) => {
    const text = readFileSync(join(dir, `${name}.json`), 'utf8');
    expect(() => loadXgbModel(text)).toThrow(message);
    expect(() => loadXgbModel(text)).toThrow(
      expect.objectContaining({ code: 'SCORING_MODEL_UNSUPPORTED' }) as ScoringError,
    );
  });
});
