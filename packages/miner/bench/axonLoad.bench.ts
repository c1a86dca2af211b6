/**
 * The axon under sustained load, for memory and dropped requests (ours only; no reference):
 *
 * 1. a short closed-loop ramp (concurrency 4, 16, 64) with the load client finds the axon's peak
 *    verified rate on this box, the client signing while it sends, as in step 2;
 * 2. an open-loop run at that rate for BENCH_LOAD_S (default 60 s) over 64 connections, 10% of
 *    the requests invalid (bad signature, replayed nonce, malformed body, unregistered caller,
 *    wrong axon hotkey: see requestMix.ts);
 * 3. the axon's RSS (from /proc, sampled every 250 ms) at the start and end of the run and its
 *    maximum; valid requests sent against those answered 200; invalid ones answered with the
 *    status expected of each kind.
 * Goals: RSS growth < 50 MB; no valid request dropped; every invalid one refused as expected.
 *
 *   pnpm --filter @subnet/miner exec tsx bench/axonLoad.bench.ts
 *   env: BENCH_LOAD_S=60 BENCH_RAMP_S=3 BENCH_INVALID=0.1 BENCH_VERIFY_WORKERS=<n>
 */
import { emitRow } from '../../../scripts/bench/row';
import { runLoadClient, startOurAxon } from './benchProcesses';
import type { LoadResult } from './loadClient';
import { MB, procRssBytes } from './procStats';
import { EXPECTED_STATUS, INVALID_KINDS } from './requestMix';

const LOAD_S = Number(process.env.BENCH_LOAD_S ?? 60);
const RAMP_S = Number(process.env.BENCH_RAMP_S ?? 3);
const RAMP_CONCURRENCY = [4, 16, 64];
const LOAD_CONCURRENCY = 64;
const INVALID = Number(process.env.BENCH_INVALID ?? 0.1);
const VERIFY_WORKERS = process.env.BENCH_VERIFY_WORKERS
  ? Number(process.env.BENCH_VERIFY_WORKERS)
  : undefined;
const RSS_GOAL_MB = 50;
const SAMPLE_MS = 250;

const mb = (bytes: number | undefined) => (bytes === undefined ? Number.NaN : bytes / MB);
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');

interface Stats {
  rssBytes: number;
  heapUsedBytes: number;
}
const statsLine = (line: unknown): Stats | undefined => {
  const s = (line as { stats?: Stats })?.stats;
  return s && typeof s.rssBytes === 'number' ? s : undefined;
};

const axon = await startOurAxon({
  exposeGc: true,
  ...(VERIFY_WORKERS !== undefined ? { verifyWorkers: VERIFY_WORKERS } : {}),
});
const label = `ours: buildMinerApp axon${VERIFY_WORKERS !== undefined ? `, verifyWorkers ${VERIFY_WORKERS}` : ''}`;
const gcStats = async () => {
  axon.send('gc');
  return axon.next(statsLine, 30_000);
};

try {
  const bootRss = procRssBytes(axon.ready.pid);
  if (bootRss === undefined)
    throw new Error('the load bench reads the axon RSS from /proc (Linux)');
  console.log(
    `axon load: ramp ${RAMP_CONCURRENCY.join('/')} × ${RAMP_S} s, then ${LOAD_S} s open loop at the peak, ${INVALID * 100}% invalid; axon RSS at boot ${f1(mb(bootRss))} MB`,
  );

  // 1. The peak verified rate, with the client signing while it sends (as in the run).
  const ramp: LoadResult[] = [];
  let hint = 500;
  for (const c of RAMP_CONCURRENCY) {
    const r = await runLoadClient({
      axon: axon.ready,
      concurrency: c,
      durationS: RAMP_S,
      rateHint: hint,
    });
    ramp.push(r);
    hint = Math.max(hint, r.okPerS);
    console.log(
      `  ramp concurrency ${String(c).padStart(2)}: ${r.okPerS.toFixed(0)} verified req/s, p99 ${f1(r.latencyMs.p99)} ms, server ${f1(r.server?.cores ?? Number.NaN)} cores, client ${f1(r.client.cores)} cores`,
    );
  }
  const peak = Math.max(...ramp.map((r) => r.okPerS));
  if (!(peak > 0)) throw new Error('the ramp found no verified request per second');

  // 2. The run at the peak, RSS sampled from /proc meanwhile.
  const before = await gcStats();
  const startRss = procRssBytes(axon.ready.pid) ?? before.rssBytes;
  let maxRss = startRss;
  const sampler = setInterval(() => {
    maxRss = Math.max(maxRss, procRssBytes(axon.ready.pid) ?? 0);
  }, SAMPLE_MS);
  let run: LoadResult;
  try {
    run = await runLoadClient({
      axon: axon.ready,
      concurrency: LOAD_CONCURRENCY,
      durationS: LOAD_S,
      rate: peak,
      invalid: INVALID,
    });
  } finally {
    clearInterval(sampler);
  }
  const endRss = procRssBytes(axon.ready.pid) ?? maxRss;
  maxRss = Math.max(maxRss, endRss);
  const after = await gcStats();
  const afterGcRss = procRssBytes(axon.ready.pid) ?? after.rssBytes;

  // 3. The figures.
  const growthMb = mb(endRss - startRss);
  const dropped = run.valid.sent - run.valid.ok;
  const invalidSent = INVALID_KINDS.reduce((s, k) => s + (run.invalid[k]?.sent ?? 0), 0);
  let invalidAsExpected = 0;
  const perKind = INVALID_KINDS.map((k) => {
    const b = run.invalid[k] ?? { sent: 0, statuses: {} };
    const ok = b.statuses[String(EXPECTED_STATUS[k])] ?? 0;
    invalidAsExpected += ok;
    const other = Object.entries(b.statuses)
      .filter(([s]) => s !== String(EXPECTED_STATUS[k]))
      .map(([s, n]) => `${n}× ${s}`);
    return `${k} ${ok}/${b.sent} → ${EXPECTED_STATUS[k]}${other.length ? ` (else ${other.join(', ')})` : ''}`;
  });
  const otherValid = Object.entries(run.valid.statuses)
    .filter(([s]) => s !== '200')
    .map(([s, n]) => `${n}× ${s}`);
  const rateText = `${peak.toFixed(0)} req/s for ${LOAD_S} s over ${LOAD_CONCURRENCY} connections (sending took ${f1(run.sendS)} s, last answer at ${f1(run.wallS)} s)`;
  const late = run.lateMs ? `, client sent up to ${f1(run.lateMs.max)} ms late` : '';
  const serverText = `server ${f1(run.server?.cores ?? Number.NaN)} cores, client ${f1(run.client.cores)} cores`;

  emitRow({
    group: 'axon load',
    path: `axon RSS growth, ${LOAD_S} s at the peak verified rate`,
    unit: 'MB',
    higherIsBetter: false,
    ours: { label, samples: [growthMb] },
    reference: null,
    note: `goal < ${RSS_GOAL_MB} MB: ${growthMb < RSS_GOAL_MB ? 'met' : 'NOT met'}; RSS start ${f1(mb(startRss))} MB, end ${f1(mb(endRss))} MB, max ${f1(mb(maxRss))} MB, after a full GC ${f1(mb(afterGcRss))} MB (boot ${f1(mb(bootRss))} MB); heap used after GC ${f1(mb(before.heapUsedBytes))} → ${f1(mb(after.heapUsedBytes))} MB; ${rateText}; ${INVALID * 100}% invalid; no reference (ours only)`,
  });
  emitRow({
    group: 'axon load',
    path: `valid requests answered 200, ${LOAD_S} s at the peak verified rate`,
    unit: '%',
    higherIsBetter: true,
    ours: { label, samples: [run.valid.sent > 0 ? (100 * run.valid.ok) / run.valid.sent : 0] },
    reference: null,
    note: `goal none dropped: ${dropped === 0 ? 'met' : 'NOT met'}; sent ${run.valid.sent}, answered 200 ${run.valid.ok}${otherValid.length ? `, else ${otherValid.join(', ')}` : ''}; latency from due time p50 ${f1(run.latencyMs.p50)} / p99 ${f1(run.latencyMs.p99)} / max ${f1(run.latencyMs.max)} ms${late}; ${serverText}; no reference (ours only)`,
  });
  emitRow({
    group: 'axon load',
    path: 'invalid requests refused with the expected 4xx',
    unit: '%',
    higherIsBetter: true,
    ours: { label, samples: [invalidSent > 0 ? (100 * invalidAsExpected) / invalidSent : 0] },
    reference: null,
    note: `${invalidAsExpected}/${invalidSent}: ${perKind.join('; ')}; no reference (ours only)`,
  });
  emitRow({
    group: 'axon load',
    path: 'peak verified rate (closed-loop ramp, client signing while sending)',
    unit: 'req/s',
    higherIsBetter: true,
    ours: { label, samples: [peak] },
    reference: null,
    note: ramp
      .map(
        (r) =>
          `concurrency ${r.concurrency}: ${r.okPerS.toFixed(0)} req/s, server ${f1(r.server?.cores ?? Number.NaN)} / client ${f1(r.client.cores)} cores`,
      )
      .join('; '),
  });

  console.log(`  run: ${rateText}${late}; ${serverText}`);
  console.log(
    `  RSS: start ${f1(mb(startRss))} MB, end ${f1(mb(endRss))} MB, max ${f1(mb(maxRss))} MB, growth ${f1(growthMb)} MB (goal < ${RSS_GOAL_MB}: ${growthMb < RSS_GOAL_MB ? 'met' : 'NOT met'}); after GC ${f1(mb(afterGcRss))} MB`,
  );
  console.log(
    `  valid: sent ${run.valid.sent}, answered 200 ${run.valid.ok}, dropped ${dropped} (goal 0: ${dropped === 0 ? 'met' : 'NOT met'}); p50 ${f1(run.latencyMs.p50)} / p99 ${f1(run.latencyMs.p99)} ms from due time`,
  );
  console.log(
    `  invalid: ${invalidAsExpected}/${invalidSent} refused as expected (${perKind.join('; ')})`,
  );
} finally {
  await axon.stop('SIGTERM');
}
