/**
 * Our axon and dendrite against the reference Python SDK's (bittensor 10.x `bt.Axon` and
 * `bt.Dendrite`), measured in the same run, interleaved, every side in a process of its own:
 *
 * - `verified req/s, concurrency C` (C = 1, 16, 64): each axon (Capacity: verified, answered,
 *   signed) under the load client (`loadClient.ts`, a separate process signing with our Dendrite,
 *   all requests signed before the timed phase). `cores` = the server's CPU seconds per wall
 *   second over the timed phase, read from /proc the same way for both.
 * - `server CPU per verified request, concurrency C`, ms (the issue's goal: ours ≤ 0.35 ms).
 * - `dendrite fan-out to N axons (warm)` (N = 64, 256): one fan-out of Capacity to N cheap
 *   loopback axons, our `Dendrite.forward` against `bt.Dendrite.forward` (dendriteFanout.ts).
 *
 *   pnpm --filter @subnet/miner exec tsx bench/axonVsPython.bench.ts
 *   env: BENCH_ROUNDS=3 BENCH_ROUND_S=4 BENCH_AXON_CONCURRENCY=1,16,64 BENCH_FANOUT=64,256
 *        BENCH_FANOUT_REPEATS=5 BENCH_VERIFY_WORKERS=<n> (our axon's CryptoPool threads, when set)
 *        BENCH_PYTHON=<python with bittensor> (default: the repo's .venv)
 * Without the venv the reference is null in every row and the note says why.
 */
import { availableParallelism } from 'node:os';
import { type BenchRow, emitRow, medianOf } from '../../../scripts/bench/row';
import {
  type AxonReady,
  pythonSdk,
  runLoadClient,
  startOurAxon,
  startPythonAxon,
} from './benchProcesses';
import { fanoutRows } from './dendriteFanout';
import type { LoadResult } from './loadClient';
import { fmt, measureSides, round1 } from './sides';

const list = (v: string | undefined, fallback: number[]) =>
  v
    ? v
        .split(',')
        .map(Number)
        .filter((n) => n > 0)
    : fallback;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROUND_S = Number(process.env.BENCH_ROUND_S ?? 4);
const CONCURRENCY = list(process.env.BENCH_AXON_CONCURRENCY, [1, 16, 64]);
const FANOUT = list(process.env.BENCH_FANOUT, [64, 256]);
const FANOUT_REPEATS = Number(process.env.BENCH_FANOUT_REPEATS ?? 5);
const VERIFY_WORKERS = process.env.BENCH_VERIFY_WORKERS
  ? Number(process.env.BENCH_VERIFY_WORKERS)
  : undefined;
const CPU_GOAL_MS = 0.35;

type Side = 'ours' | 'reference';

/** Throughput of one axon: runs sized to last about ROUND_S from the last rate seen. */
class AxonSide {
  readonly runs: LoadResult[] = [];
  #rate: number;
  #warm = false;

  constructor(
    readonly axon: AxonReady,
    initialRate: number,
  ) {
    this.#rate = initialRate;
  }

  async sample(concurrency: number): Promise<number> {
    const requests = Math.max(concurrency * 5, Math.min(60_000, Math.round(this.#rate * ROUND_S)));
    const r = await runLoadClient({ axon: this.axon, concurrency, requests });
    if (r.okPerS > 0) this.#rate = r.okPerS;
    // The first run of each concurrency is interleaved()'s warm-up: not recorded.
    if (this.#warm) this.runs.push(r);
    this.#warm = true;
    return r.okPerS;
  }

  next(): void {
    this.runs.length = 0;
    this.#warm = false;
  }
}

function summary(runs: LoadResult[]) {
  const med = (f: (r: LoadResult) => number) => medianOf(runs.map(f));
  const failed: Record<string, number> = {};
  for (const r of runs)
    for (const [status, n] of Object.entries(r.valid.statuses))
      if (status !== '200') failed[status] = (failed[status] ?? 0) + n;
  const hasServer = runs.every((r) => r.server !== null);
  return {
    p50: med((r) => r.latencyMs.p50),
    p99: med((r) => r.latencyMs.p99),
    cores: hasServer ? round1(med((r) => r.server?.cores ?? 0)) : undefined,
    // Runs with no verified answer have no CPU per request: left out (a row takes finite numbers).
    cpuMs: hasServer
      ? runs.map((r) => r.server?.cpuMsPerOk ?? Number.NaN).filter(Number.isFinite)
      : undefined,
    clientCores: round1(med((r) => r.client.cores)),
    requestBytes: Math.round(med((r) => r.bytes.request)),
    responseBytes: Math.round(med((r) => r.bytes.response)),
    failed,
  };
}

const failedText = (failed: Record<string, number>) =>
  Object.keys(failed).length === 0
    ? 'every valid request answered 200'
    : `NOT 200: ${Object.entries(failed)
        .map(([s, n]) => `${n}× ${s}`)
        .join(', ')}`;

async function axonRows(
  ours: AxonSide,
  reference: AxonSide | undefined,
  labels: Record<Side, string>,
  refMissing: string | undefined,
): Promise<void> {
  for (const c of CONCURRENCY) {
    ours.next();
    reference?.next();
    const samples = await measureSides(
      ROUNDS,
      () => ours.sample(c),
      reference ? () => reference.sample(c) : undefined,
    );
    const o = summary(ours.runs);
    const r = reference ? summary(reference.runs) : undefined;
    const sides = `ours p50 ${fmt(o.p50, 1)} / p99 ${fmt(o.p99, 1)} ms, ${failedText(o.failed)}, client ${o.clientCores} cores`;
    const refText = r
      ? `; reference p50 ${fmt(r.p50, 1)} / p99 ${fmt(r.p99, 1)} ms, ${failedText(r.failed)}, client ${r.clientCores} cores`
      : `; reference not run: ${refMissing}`;
    const sizes = `request ${o.requestBytes} B to both; answers ours ${o.responseBytes} B${r ? `, reference ${r.responseBytes} B` : ''}`;
    const row: BenchRow = {
      group: 'axon',
      path: `verified req/s, concurrency ${c}`,
      unit: 'req/s',
      higherIsBetter: true,
      ours: {
        label: labels.ours,
        samples: samples.ours,
        ...(o.cores !== undefined ? { cores: o.cores } : {}),
      },
      reference: r
        ? {
            label: labels.reference,
            samples: samples.reference,
            ...(r.cores !== undefined ? { cores: r.cores } : {}),
          }
        : null,
      goal: { ratio: 10 },
      note: `client in its own process, requests signed before timing; ${sides}${refText}; ${sizes}; box has ${availableParallelism()} cores`,
    };
    emitRow(row);
    console.log(
      `  concurrency ${String(c).padStart(3)}: ours ${fmt(medianOf(samples.ours))} req/s (${o.cores ?? '?'} cores)` +
        (r
          ? `, reference ${fmt(medianOf(samples.reference))} req/s (${r.cores ?? '?'} cores)`
          : ''),
    );

    if (o.cpuMs && o.cpuMs.length > 0) {
      const med = medianOf(o.cpuMs);
      const met = med <= CPU_GOAL_MS;
      emitRow({
        group: 'axon',
        path: `server CPU per verified request, concurrency ${c}`,
        unit: 'ms',
        higherIsBetter: false,
        ours: {
          label: labels.ours,
          samples: o.cpuMs,
          ...(o.cores !== undefined ? { cores: o.cores } : {}),
        },
        reference:
          r?.cpuMs !== undefined && r.cpuMs.length > 0
            ? {
                label: labels.reference,
                samples: r.cpuMs,
                ...(r.cores !== undefined ? { cores: r.cores } : {}),
              }
            : null,
        note: `goal ours ≤ ${CPU_GOAL_MS} ms: ${met ? 'met' : 'NOT met'} (median ${fmt(med, 3)} ms); utime+stime of every server thread from /proc over the timed phase${r ? '' : `; reference not run: ${refMissing}`}`,
      });
      console.log(
        `  concurrency ${String(c).padStart(3)}: server CPU per verified request ours ${fmt(med, 3)} ms` +
          (r?.cpuMs?.length ? `, reference ${fmt(medianOf(r.cpuMs), 3)} ms` : ''),
      );
    }
  }
}

const sdk = pythonSdk();
const refMissing = 'missing' in sdk ? sdk.missing : undefined;
const python = 'missing' in sdk ? undefined : sdk;
if (refMissing) console.log(`axonVsPython: the reference SDK cannot run: ${refMissing}`);

console.log(
  `axon vs bt.Axon over loopback, client in a separate process; ${ROUNDS} interleaved rounds of ~${ROUND_S} s per concurrency; box has ${availableParallelism()} cores`,
);
const oursAxon = await startOurAxon(
  VERIFY_WORKERS !== undefined ? { verifyWorkers: VERIFY_WORKERS } : {},
);
const refAxon = python ? await startPythonAxon(python.python) : undefined;
try {
  const labels: Record<Side, string> = {
    ours: `ours: buildMinerApp axon${VERIFY_WORKERS !== undefined ? `, verifyWorkers ${VERIFY_WORKERS}` : ''}`,
    reference: `bittensor ${python?.version ?? '?'} bt.Axon`,
  };
  await axonRows(
    new AxonSide(oursAxon.ready, 300),
    refAxon ? new AxonSide(refAxon.ready, 100) : undefined,
    labels,
    refMissing,
  );
} finally {
  await Promise.all([oursAxon.stop(), refAxon?.stop()]);
}
console.log(`dendrite fan-out, warm, ${ROUNDS} interleaved rounds of ${FANOUT_REPEATS} fan-outs`);
await fanoutRows({
  sdk: python,
  refMissing,
  rounds: ROUNDS,
  counts: FANOUT,
  repeats: FANOUT_REPEATS,
});
