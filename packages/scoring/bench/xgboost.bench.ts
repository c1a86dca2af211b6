/**
 * Rows per second of the TypeScript evaluator against the XGBoost C library (the PyPI wheel's
 * libxgboost.so, called through koffi from this same process), on the shipped reward model and on
 * the models trained here by the parity oracle. Every contender (ours compiled and interpreted,
 * the library on one thread, on every core, and through a DMatrix) runs in turn, interleaved,
 * ROUNDS rounds of at least MIN_MS each; the rows report every round (row.ts).
 *
 *   pnpm bench --only xgboost      (BENCH_ROUNDS=3 BENCH_MIN_MS=300 BENCH_XGB_ROWS=20000)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emitRow, interleavedAll, medianOf } from '../../../scripts/bench/row';
import { loadXgbModel } from '../src/xgboost/loadModel.js';
import { predict } from '../src/xgboost/predict.js';
import { openXgboostLib } from './xgboostLib.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const python = join(repoRoot, '.venv/bin/python');
const oracle = fileURLToPath(new URL('../test/xgboost_oracle.py', import.meta.url));
const rewardModel = fileURLToPath(new URL('../models/reward-model.json', import.meta.url));

const N_ROWS = Number(process.env.BENCH_XGB_ROWS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MIN_MS = Number(process.env.BENCH_MIN_MS ?? 300);

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

/** Rows/s of `run` called repeatedly for at least `MIN_MS`. */
function rowsPerSecond(run: () => void, nRows: number): number {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    run();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < MIN_MS);
  return (calls * nRows) / (elapsed / 1000);
}

const fmt = (n: number): string => `${(n / 1000).toFixed(0)}k`;

const SHIPPED = 'shipped reward model';

async function benchModel(
  name: string,
  json: string,
  lib: ReturnType<typeof openXgboostLib>,
): Promise<void> {
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

  const threads = availableParallelism();
  const rates = await interleavedAll(ROUNDS, {
    ours: () => rowsPerSecond(() => predict(model, rows), N_ROWS),
    interpreted: () => rowsPerSecond(() => predict(interpreted, rows), N_ROWS),
    libOne: () => rowsPerSecond(() => lib.predictDense(one, native), N_ROWS),
    libAll: () => rowsPerSecond(() => lib.predictDense(all, native), N_ROWS),
    libWithMatrix: () =>
      rowsPerSecond(() => {
        const m = lib.createDMatrix(data, N_ROWS, model.numFeature);
        lib.predict(one, m, false);
        lib.freeDMatrix(m);
      }, N_ROWS),
  });
  lib.freeBooster(one);
  lib.freeBooster(all);
  const med = (k: keyof typeof rates) => medianOf(rates[k]);
  const oursRate = med('ours');
  const libOne = med('libOne');

  console.log(
    [
      name.padEnd(21),
      `${model.treeRoot.length} trees`.padEnd(9),
      `ours ${fmt(oursRate)}`.padEnd(10),
      `interpreted ${fmt(med('interpreted'))}`.padEnd(16),
      `C 1t ${fmt(libOne)}`.padEnd(11),
      `C+DMatrix ${fmt(med('libWithMatrix'))}`.padEnd(15),
      `C ${threads}t ${fmt(med('libAll'))}`.padEnd(11),
      `ours/C(1t) ${(oursRate / libOne).toFixed(2)}`,
      `interpreted/C(1t) ${(med('interpreted') / libOne).toFixed(2)}`,
      `ours/C+DMatrix ${(oursRate / med('libWithMatrix')).toFixed(2)}`,
      `max |diff| ${worst.toExponential(1)}`,
    ].join('  '),
  );
  const row = (path: string, reference: string, samples: number[], cores: number, note?: string) =>
    emitRow({
      group: 'xgboost',
      path,
      unit: 'rows/s',
      higherIsBetter: true,
      ours: { label: 'compiled evaluator', samples: rates.ours, cores: 1 },
      reference: { label: `libxgboost ${lib.version}, ${reference}`, samples, cores },
      ...(note ? { note } : {}),
    });
  const path = `${name}, ${model.treeRoot.length} trees`;
  const calls = `${N_ROWS} rows per call; libxgboost predicts straight from the dense rows (no DMatrix)`;
  row(
    path,
    '1 thread',
    rates.libOne,
    1,
    `${calls}. Largest difference from libxgboost ${worst.toExponential(1)}. Against the same reference: our interpreter ${(med('interpreted') / libOne).toFixed(2)}x, libxgboost through a DMatrix ${(med('libWithMatrix') / libOne).toFixed(2)}x.`,
  );
  if (name === SHIPPED) row(path, `${threads} threads`, rates.libAll, threads, `${calls}.`);
}

/** The libxgboost.so that the venv's xgboost wheel ships. */
function findLibxgboost(): string {
  if (!existsSync(python))
    throw new Error(`${python} is missing: run ./dev setup to create the venv`);
  const script =
    'import os, xgboost; print(os.path.join(os.path.dirname(xgboost.__file__), "lib", "libxgboost.so"))';
  return execFileSync(python, ['-c', script], { encoding: 'utf8' }).trim();
}

async function main(): Promise<void> {
  const lib = openXgboostLib(findLibxgboost());
  console.log(
    `XGBoost evaluator vs libxgboost ${lib.version} via koffi (XGBoosterPredictFromDense), ${N_ROWS} rows per call, rows/s (medians of ${ROUNDS} interleaved rounds)`,
  );
  if (existsSync(rewardModel)) {
    await benchModel(SHIPPED, readFileSync(rewardModel, 'utf8'), lib);
  }
  const dir = mkdtempSync(join(tmpdir(), 'scoring-bench-'));
  try {
    execFileSync(python, [oracle, dir], { stdio: 'pipe' });
    for (const name of ['logistic', 'squarederror', 'softprob']) {
      await benchModel(`oracle ${name}`, readFileSync(join(dir, `${name}.json`), 'utf8'), lib);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
