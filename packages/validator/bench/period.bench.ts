/**
 * `pnpm bench` (validator): what one scoring period of the work loop costs the validator itself,
 * outside miner I/O, for 256 simulated miners on loopback, against a reference of 16 miners
 * measured in the same run on the same miners' process, the two taking turns period by period.
 *
 * The miners run in a child process (`simulatedMiners.ts`: every request verified, Capacity
 * answered, Completion answered with a fixed stream of the asked length), so their CPU is not the
 * validator's. This process runs the real `PeriodWorkLoop`: Capacity asked of every miner,
 * queries planned over the period and sent under the default concurrency, each answer stored in
 * PGlite, a share checked by reproduction with the tiny LLM (the fixed answers fail their checks,
 * at the full cost of a check), the period folded into scores.
 *
 * Each configuration gets a fresh storage and its own loop, which first runs a short warm-up
 * period (the last 3 blocks of one); then the two run full periods in turn, ROUNDS of each
 * (row.ts `interleaved`). Figures, per period:
 * - busy: the loop's own `busyShare` (event-loop utilisation of the main thread) × its wall time;
 * - CPU: this process's user + system CPU over the period, all threads (the LLM check's
 *   onnxruntime threads, PGlite, GC), which the event-loop figure does not see;
 * both against the period's length (periodBlocks × blockMs), and per miner 256 against 16. The
 * rows report every round; the human table shows each configuration's median round (by CPU).
 *
 * Knobs (environment): BENCH_MINERS (256), BENCH_REFERENCE_MINERS (16), BENCH_PERIOD_BLOCKS (10),
 * BENCH_BLOCK_MS (3000), BENCH_ROUNDS (3), BENCH_VOLUME (4), BENCH_CHECK_SHARE (0.05),
 * BENCH_LOG (silent).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTinyLlm } from '@subnet/inference/testing';
import { devHotkey } from '@subnet/protocol/testing';
import pino from 'pino';
import { emitRow, interleaved } from '../../../scripts/bench/row';
import { openStorage } from '../src/storage/index';
import { freshPgliteDir } from '../src/storage/testing/index';
import { loadRewardModel } from '../src/work/checkResult';
import type { CheckModels } from '../src/work/checkTypes';
import { createWorkLoop, type PeriodReport } from '../src/work/periodWorkLoop';
import type { WorkMetrics } from '../src/work/workMetrics';
import { benchMetagraph } from './benchMetagraph';
import { type SimulatedMiners, startSimulatedMiners } from './startSimulatedMiners';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const MINERS = num('BENCH_MINERS', 256);
const REFERENCE_MINERS = num('BENCH_REFERENCE_MINERS', 16);
const PERIOD_BLOCKS = num('BENCH_PERIOD_BLOCKS', 10);
const BLOCK_MS = num('BENCH_BLOCK_MS', 3000);
const ROUNDS = num('BENCH_ROUNDS', 3);
const VOLUME = num('BENCH_VOLUME', 4);
const CHECK_SHARE = num('BENCH_CHECK_SHARE', 0.05);
const HEAD_TO_HEAD_SHARE = 0.25;
/** Blocks left in the warm-up period. */
const WARMUP_BLOCKS_LEFT = 3;
const MODEL = 'tiny-llm';
const PROFILE = { maxTokens: [16, 32] as const, temperatures: [0.7], maxPromptChars: 80 };

interface Measured {
  miners: number;
  report: PeriodReport;
  answered: number;
  failed: number;
  checks: number;
  busyMs: number;
  cpuMs: number;
  minersCpuMs: number | undefined;
}

const validator = await devHotkey('alice');
const logger = pino({ level: process.env.BENCH_LOG ?? 'silent' });
const llm = await createTinyLlm();
const counts = { checks: 0, answered: 0, failed: 0 };
const models: CheckModels = {
  rewardModel: loadRewardModel(),
  // Every check of a text answer is one forward pass through `score`: counted here.
  llm: () => ({
    score: (request) => {
      counts.checks++;
      return llm.score(request);
    },
    complete: (request) => llm.complete(request),
    tokenizer: llm.tokenizer,
    model: llm.model,
  }),
};
const metrics: WorkMetrics = {
  queriesDone(outcomes) {
    for (const o of outcomes) {
      if (o.statusCode === 200) counts.answered++;
      else counts.failed++;
    }
  },
  deadlineCutoffs: () => undefined,
  periodDone: () => undefined,
};

/** One configuration: its own storage and loop, running one period per call. */
interface Fleet {
  miners: number;
  /** The warm-up period on the first call (its figures are not kept), a full one after. */
  nextPeriod(): Promise<Measured>;
  close(): Promise<void>;
}

async function openFleet(sim: SimulatedMiners, miners: number): Promise<Fleet> {
  const parent = mkdtempSync(join(tmpdir(), 'validator-period-bench-'));
  const storage = await openStorage({ engine: 'pglite', dataDir: await freshPgliteDir(parent) });
  const loop = createWorkLoop({
    hotkey: validator,
    models,
    blockMs: BLOCK_MS,
    checkShare: CHECK_SHARE,
    headToHeadShare: HEAD_TO_HEAD_SHARE,
    profile: PROFILE,
    metrics,
  });
  const graph = (block: number) =>
    benchMetagraph({
      validator: validator.address,
      host: sim.host,
      miners: sim.miners.slice(0, miners),
      block,
    });
  await storage.miners.syncMetagraph(
    graph(0).neurons.map((n) => ({ uid: n.uid, hotkey: n.hotkey })),
    0,
  );
  let period = 0;
  return {
    miners,
    async nextPeriod() {
      period++;
      const blocksLeft = period === 1 ? WARMUP_BLOCKS_LEFT : PERIOD_BLOCKS;
      const startBlock = period * PERIOD_BLOCKS;
      Object.assign(counts, { checks: 0, answered: 0, failed: 0 });
      const minersCpu0 = sim.cpuMs();
      const cpu0 = process.cpuUsage();
      await loop.runPeriod({
        period,
        startBlock,
        periodBlocks: PERIOD_BLOCKS,
        metagraph: graph(startBlock + PERIOD_BLOCKS - blocksLeft),
        storage,
        signal: new AbortController().signal,
        logger,
      });
      const cpu = process.cpuUsage(cpu0);
      const minersCpu1 = sim.cpuMs();
      const report = loop.lastReport as PeriodReport;
      return {
        miners,
        report,
        ...counts,
        busyMs: report.busyShare * report.wallMs,
        cpuMs: (cpu.user + cpu.system) / 1000,
        minersCpuMs:
          minersCpu0 === undefined || minersCpu1 === undefined
            ? undefined
            : minersCpu1 - minersCpu0,
      };
    },
    async close() {
      await loop.close();
      await storage.close();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

const periodMs = PERIOD_BLOCKS * BLOCK_MS;
const sim = await startSimulatedMiners({ count: MINERS, volume: VOLUME, model: MODEL });
/** Every full period measured, by configuration. */
const measured = { big: [] as Measured[], ref: [] as Measured[] };
try {
  const fleets: Fleet[] = [];
  try {
    const big = await openFleet(sim, MINERS);
    fleets.push(big);
    const ref = await openFleet(sim, REFERENCE_MINERS);
    fleets.push(ref);
    // Each call runs one period and keeps it; interleaved's first, unmeasured call of each is
    // that fleet's warm-up period, dropped here too.
    const keep = (fleet: Fleet, into: Measured[]) => async () => {
      const m = await fleet.nextPeriod();
      into.push(m);
      return m.cpuMs;
    };
    await interleaved(ROUNDS, keep(big, measured.big), keep(ref, measured.ref));
    measured.big.shift();
    measured.ref.shift();
  } finally {
    for (const f of fleets) await f.close();
  }
} finally {
  await sim.stop();
}

/** The round whose CPU is the median one (the lower middle for an even count). */
const medianRound = (ms: Measured[]) =>
  [...ms].sort((a, b) => a.cpuMs - b.cpuMs)[Math.floor((ms.length - 1) / 2)] as Measured;
const rows = [medianRound(measured.ref), medianRound(measured.big)];

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const lines: [string, (m: Measured) => string][] = [
  ['miners', (m) => String(m.miners)],
  ['queries planned', (m) => String(m.report.planned)],
  ['queries sent', (m) => String(m.report.sent)],
  ['queries unsent', (m) => String(m.report.unsent)],
  ['answers (200)', (m) => String(m.answered)],
  ['answers failed', (m) => String(m.failed)],
  ['checks run', (m) => String(m.checks)],
  ['checks skipped', (m) => String(m.report.checksSkipped)],
  ['period wall ms', (m) => m.report.wallMs.toFixed(0)],
  ['validator busy ms (ELU)', (m) => m.busyMs.toFixed(0)],
  ['validator CPU ms (process)', (m) => m.cpuMs.toFixed(0)],
  ['busy / period length', (m) => pct(m.busyMs / periodMs)],
  ['CPU / period length', (m) => pct(m.cpuMs / periodMs)],
  ['busy ms per miner', (m) => (m.busyMs / m.miners).toFixed(1)],
  ['CPU ms per miner', (m) => (m.cpuMs / m.miners).toFixed(1)],
  [
    "miners' process CPU ms",
    (m) => (m.minersCpuMs === undefined ? 'n/a' : m.minersCpuMs.toFixed(0)),
  ],
];
const [ref, big] = rows as [Measured, Measured];
console.log(
  `one scoring period: ${PERIOD_BLOCKS} blocks x ${BLOCK_MS} ms = ${periodMs} ms; Completion volume ${VOLUME} per miner, check share ${CHECK_SHARE}, head-to-head share ${HEAD_TO_HEAD_SHARE}; miners in a child process on loopback; median of ${ROUNDS} interleaved periods each`,
);
console.log(`  ${''.padEnd(28)}${'reference'.padStart(12)}${'measured'.padStart(12)}`);
for (const [label, f] of lines)
  console.log(`  ${label.padEnd(28)}${f(ref).padStart(12)}${f(big).padStart(12)}`);
const ratio = (f: (m: Measured) => number) => `${(f(big) / f(ref)).toFixed(2)}x`;
console.log(
  `  ratio ${big.miners} vs ${ref.miners} miners, per miner: busy ${ratio((m) => m.busyMs / m.miners)}, CPU ${ratio((m) => m.cpuMs / m.miners)}; per query sent: busy ${ratio((m) => m.busyMs / Math.max(1, m.report.sent))}, CPU ${ratio((m) => m.cpuMs / Math.max(1, m.report.sent))}`,
);

const per = (ms: Measured[], f: (m: Measured) => number, by: (m: Measured) => number) =>
  ms.map((m) => f(m) / Math.max(1, by(m)));
const unsent = measured.big.map((m) => m.report.unsent);
const shape = `${PERIOD_BLOCKS} blocks x ${BLOCK_MS} ms, volume ${VOLUME}`;
const unsentNote = unsent.some((n) => n > 0)
  ? ` At ${big.miners} miners, planned queries went unsent by the deadline (${unsent.join(', ')} per period): the loop could not keep up, so per miner it did less work.`
  : '';
const side = (label: string, samples: number[]) => ({ label, samples });
const compare = (
  path: string,
  unit: string,
  f: (m: Measured) => number,
  by: (m: Measured) => number,
  note: string,
) =>
  emitRow({
    group: 'validator period',
    path: `${path} (${shape})`,
    unit,
    higherIsBetter: false,
    ours: side(`${big.miners} miners`, per(measured.big, f, by)),
    reference: side(`${ref.miners} miners, same loop`, per(measured.ref, f, by)),
    note,
  });
compare(
  'validator CPU per miner, one period',
  'ms/miner',
  (m) => m.cpuMs,
  (m) => m.miners,
  `All threads of the validator process. Above 1x the cost per miner falls with scale.${unsentNote}`,
);
compare(
  'validator CPU per query sent, one period',
  'ms/query',
  (m) => m.cpuMs,
  (m) => m.report.sent,
  'Above 1x a query costs less at scale.',
);
emitRow({
  group: 'validator period',
  path: `validator event-loop busy share of the period, ${big.miners} miners (${shape})`,
  unit: '%',
  higherIsBetter: false,
  ours: side(
    `${big.miners} miners`,
    measured.big.map((m) => (100 * m.busyMs) / periodMs),
  ),
  reference: null,
  note: `The main thread's utilisation over the period, against its length; near 100% it has no room left.${unsentNote}`,
});
