/**
 * Rows per second of the TypeScript evaluator against the XGBoost C library (the PyPI wheel's
 * libxgboost.so, called through koffi from this same process), on the shipped reward model and on
 * two larger models trained here by the parity oracle. Prints ratios measured in this run.
 *
 *   pnpm --filter @subnet/scoring bench
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadXgbModel } from '../src/xgboost/loadModel.js';
import { predict } from '../src/xgboost/predict.js';
import { openXgboostLib } from './xgboostLib.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const python = join(repoRoot, '.venv/bin/python');
const oracle = fileURLToPath(new URL('../test/xgboost_oracle.py', import.meta.url));
const rewardModel = fileURLToPath(new URL('../models/reward-model.json', import.meta.url));

const N_ROWS = 20_000;

/** Deterministic rows: a small LCG, 10% missing values. */
function makeRows(nRows: number, nCols: number): Float32Array {
  const data = new Float32Array(nRows * nCols);
  let state = 12345;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  for (let i = 0; i < data.length; i++) {
    data[i] = next() < 0.1 ? Number.NaN : (next() - 0.5) * 6;
  }
  return data;
}

/** Best rows/s over a few repetitions of at least `minMs` each. */
function rowsPerSecond(run: () => void, nRows: number, minMs = 400): number {
  let best = 0;
  for (let rep = 0; rep < 3; rep++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      run();
      calls++;
      elapsed = performance.now() - start;
    } while (elapsed < minMs);
    best = Math.max(best, (calls * nRows) / (elapsed / 1000));
  }
  return best;
}

const fmt = (n: number): string => `${(n / 1000).toFixed(0)}k`;

function benchModel(name: string, json: string, lib: ReturnType<typeof openXgboostLib>): void {
  const model = loadXgbModel(json);
  const interpreted = loadXgbModel(json, { compile: false });
  const data = makeRows(N_ROWS, model.numFeature);
  const rows = { data, nRows: N_ROWS };
  const one = lib.loadBooster(json, 1);
  const all = lib.loadBooster(json, availableParallelism());

  const native = lib.nativeRows(data, N_ROWS, model.numFeature);
  const ours = predict(model, rows);
  const theirs = lib.predictDense(one, native);
  let worst = 0;
  ours.forEach((v, i) => {
    worst = Math.max(worst, Math.abs(v - (theirs[i] as number)));
  });

  const oursRate = rowsPerSecond(() => predict(model, rows), N_ROWS);
  const interpretedRate = rowsPerSecond(() => predict(interpreted, rows), N_ROWS);
  const libOne = rowsPerSecond(() => lib.predictDense(one, native), N_ROWS);
  const libAll = rowsPerSecond(() => lib.predictDense(all, native), N_ROWS);
  const libWithMatrix = rowsPerSecond(() => {
    const m = lib.createDMatrix(data, N_ROWS, model.numFeature);
    lib.predict(one, m, false);
    lib.freeDMatrix(m);
  }, N_ROWS);
  lib.freeBooster(one);
  lib.freeBooster(all);

  console.log(
    [
      name.padEnd(21),
      `${model.treeRoot.length} trees`.padEnd(9),
      `ours ${fmt(oursRate)}`.padEnd(10),
      `interpreted ${fmt(interpretedRate)}`.padEnd(16),
      `C 1t ${fmt(libOne)}`.padEnd(11),
      `C+DMatrix ${fmt(libWithMatrix)}`.padEnd(15),
      `C ${availableParallelism()}t ${fmt(libAll)}`.padEnd(11),
      `ours/C(1t) ${(oursRate / libOne).toFixed(2)}`,
      `interpreted/C(1t) ${(interpretedRate / libOne).toFixed(2)}`,
      `ours/C+DMatrix ${(oursRate / libWithMatrix).toFixed(2)}`,
      `max |diff| ${worst.toExponential(1)}`,
    ].join('  '),
  );
}

/** The libxgboost.so that the venv's xgboost wheel ships. */
function findLibxgboost(): string {
  if (!existsSync(python))
    throw new Error(`${python} is missing: run ./dev setup to create the venv`);
  const script =
    'import os, xgboost; print(os.path.join(os.path.dirname(xgboost.__file__), "lib", "libxgboost.so"))';
  return execFileSync(python, ['-c', script], { encoding: 'utf8' }).trim();
}

function main(): void {
  const lib = openXgboostLib(findLibxgboost());
  console.log(
    `XGBoost evaluator vs libxgboost ${lib.version} via koffi (XGBoosterPredictFromDense), ${N_ROWS} rows per call, rows/s`,
  );
  if (existsSync(rewardModel)) {
    benchModel('shipped reward model', readFileSync(rewardModel, 'utf8'), lib);
  }
  const dir = mkdtempSync(join(tmpdir(), 'scoring-bench-'));
  try {
    execFileSync(python, [oracle, dir], { stdio: 'pipe' });
    for (const name of ['logistic', 'squarederror', 'softprob']) {
      benchModel(`oracle ${name}`, readFileSync(join(dir, `${name}.json`), 'utf8'), lib);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
