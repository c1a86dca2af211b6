/**
 * The one shape every bench reports in. A bench measures ours and its reference in the same run,
 * interleaved, and calls `emitRow` once per path; `pnpm bench` (scripts/bench/main.ts) collects
 * the rows from every bench's stdout and prints one table (or `--json`).
 *
 * The ratio is "times better than the reference": median(ours) / median(reference) for rates,
 * median(reference) / median(ours) for times.
 */

export interface BenchSide {
  /** What was measured, e.g. `ours: native sr25519` or `bittensor 10.5 bt.Axon`. */
  label: string;
  /** One figure per interleaved round (at least one). */
  samples: number[];
  /** How many cores this side used, when it matters (axon and client runs). */
  cores?: number;
}

export interface BenchRow {
  /** The table section: `axon`, `sr25519`, `image hashes`, `metagraph`, `xgboost`, `llm`, … */
  group: string;
  /** The path measured, e.g. `verified req/s, concurrency 16`. */
  path: string;
  /** The unit of the samples, e.g. `req/s`, `ms`, `tokens/s`. */
  unit: string;
  /** True for rates (req/s, tokens/s), false for times (ms, s). */
  higherIsBetter: boolean;
  ours: BenchSide;
  /** Null when the reference could not run here; `note` says why. */
  reference: BenchSide | null;
  /** The target ratio from the issue that asked for it, e.g. `{ ratio: 10 }` for "≥ 10×". */
  goal?: { ratio: number };
  note?: string;
}

/** The line prefix the collector looks for; everything else a bench prints passes through. */
export const ROW_PREFIX = 'BENCH_ROW ';

export function emitRow(row: BenchRow): void {
  if (row.ours.samples.length === 0) throw new Error(`bench row ${row.path}: no samples`);
  process.stdout.write(`${ROW_PREFIX}${JSON.stringify(row)}\n`);
}

export function medianOf(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** How many times better ours is than the reference (> 1 is better), or null without one. */
export function ratioOf(row: BenchRow): number | null {
  if (!row.reference || row.reference.samples.length === 0) return null;
  const ours = medianOf(row.ours.samples);
  const ref = medianOf(row.reference.samples);
  if (ours <= 0 || ref <= 0) return null;
  return row.higherIsBetter ? ours / ref : ref / ours;
}

/**
 * Runs `ours` and `reference` alternately `rounds` times (after one unmeasured warm-up of each),
 * so drift on a shared machine falls on both sides alike. Each call returns one sample.
 */
export async function interleaved(
  rounds: number,
  ours: () => Promise<number> | number,
  reference: () => Promise<number> | number,
): Promise<{ ours: number[]; reference: number[] }> {
  await ours();
  await reference();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      a.push(await ours());
      b.push(await reference());
    } else {
      b.push(await reference());
      a.push(await ours());
    }
  }
  return { ours: a, reference: b };
}

/**
 * `interleaved` for more than two contenders: after one unmeasured warm-up of each, `rounds`
 * rounds in which every function runs once, the starting one rotating (with two functions the
 * order is the same as `interleaved`'s). Returns each function's samples under its key.
 */
export async function interleavedAll<K extends string>(
  rounds: number,
  fns: Record<K, () => Promise<number> | number>,
): Promise<Record<K, number[]>> {
  const keys = Object.keys(fns) as K[];
  const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (const k of keys) await fns[k]();
  for (let i = 0; i < rounds; i++) {
    for (let j = 0; j < keys.length; j++) {
      const k = keys[(i + j) % keys.length] as K;
      samples[k].push(await fns[k]());
    }
  }
  return samples;
}

/** The line prefix of a bench that could not run here (a missing venv); the collector lists it. */
export const SKIP_PREFIX = 'BENCH_SKIP ';

/** Says why this bench measured nothing here; the bench then exits 0. */
export function emitSkip(reason: string): void {
  process.stdout.write(`${SKIP_PREFIX}${JSON.stringify({ reason })}\n`);
}
