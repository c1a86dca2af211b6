/**
 * Hostile miners against the validator, end to end: one devnet, the validator (bob), two honest
 * miners (charlie and dave, our miner on the tiny models), and one hostile axon per way of
 * misbehaving, each a separate process on 127.0.0.2 registered and served on chain like any
 * miner: Capacity floods (1e12, negative, non-numeric), a server that takes the connection and
 * never answers, one that answers headers and then nothing, one that drips a byte a second, an
 * endless well-formed stream, a 200 MB answer, a decompression-bomb PNG, malformed JSON, the
 * answer of another synapse, and 400 to every task: all at once.
 *
 * The validator handles every period and sets weights on schedule, the honest miners hold the
 * weight, every hostile one gets nothing, every fault is stored against the miner that made it
 * with the reason, and the validator's memory stays bounded over five periods.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HOSTILE_MODES,
  type HostileAxon,
  type HostileMode,
  startHostileAxon,
} from '@subnet/protocol/testing';
import type { TaskResult } from '@subnet/validator/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LocalMiner,
  type LocalMinerSpec,
  type LocalNetwork,
  MINER_HOST,
  type MinerTasks,
  startLocalNetwork,
} from '../../scripts/local-network/startLocal';
import { logsOnFailure } from './support/logsOnFailure';

const PERIOD_BLOCKS = 8;
const BLOCK_MS = 1000;

const TASKS: MinerTasks = {
  Completion: { models: ['tiny-llm'], volume: 2 },
  TextToImage: { models: ['tiny-sd'], volume: 2 },
};
/** What every hostile axon answers to Capacity (unless its mode lies there). */
const HOSTILE_CAPACITY = {
  Completion: { volume: 2, models: ['tiny-llm'], loras: [] },
  TextToImage: { volume: 2, models: ['tiny-sd'], loras: [] },
};
const COLDKEYS = ['eve', 'ferdie', 'charlie', 'dave'] as const;

interface Done {
  period: number;
  kind: string;
  block?: number;
  rss: number;
}

let net: LocalNetwork;
let dir: string;
const hostile = new Map<HostileMode, HostileAxon>();
const done: Done[] = [];
let wake: () => void = () => undefined;

/** The daemons' warnings, printed only when a test fails. */
const log = logsOnFailure();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hostile-miners-'));
  const axons = await Promise.all(
    HOSTILE_MODES.map((mode) =>
      startHostileAxon({ mode, host: MINER_HOST, capacity: HOSTILE_CAPACITY }),
    ),
  );
  for (const [i, mode] of HOSTILE_MODES.entries()) hostile.set(mode, axons[i] as HostileAxon);
  const miners: LocalMinerSpec[] = [
    { wallet: 'charlie', name: 'honest-1', tasks: TASKS },
    { wallet: 'dave', name: 'honest-2', tasks: TASKS },
    ...HOSTILE_MODES.map(
      (mode, i): LocalMinerSpec => ({
        wallet: COLDKEYS[i % COLDKEYS.length] as (typeof COLDKEYS)[number],
        hotkey: `hostile-${i}`,
        name: mode,
        external: { ip: MINER_HOST, port: (hostile.get(mode) as HostileAxon).port },
      }),
    ),
  ];
  net = await startLocalNetwork({
    logger: log,
    dir,
    // Spec 218: these suites judge the validator against adversaries on the chain's clock (weights
    // at the same block of each period, within one block). Under chopsticks on a 2-core box a
    // spec-293 block takes 1.1-1.5 s to build, longer than the 1 s interval, so that clock itself
    // slips there. The runtime's own paths are covered on 293 by the chain package and the
    // local-network suite.
    runtime: 'spec218',
    blockMs: BLOCK_MS,
    periodBlocks: PERIOD_BLOCKS,
    apiPort: 0,
    miners,
    checkShare: 1,
    headToHeadShare: 0.5,
    // Periods of 8 s: the work ends at 75% of the period (less a block), which leaves room for
    // the fold and the weights extrinsic on a loaded 2-core box.
    work: { deadline_share: '0.75' },
    onPeriodDone: (period, outcome) => {
      done.push({
        period,
        kind: outcome.kind,
        ...('block' in outcome ? { block: outcome.block } : {}),
        rss: process.memoryUsage().rss,
      });
      wake();
    },
  });
}, 240_000);

afterAll(async () => {
  await net?.stop();
  await Promise.all([...hostile.values()].map((h) => h.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function miner(name: string): LocalMiner {
  const found = net.miners.find((m) => m.name === name);
  if (!found) throw new Error(`no miner named ${name}`);
  return found;
}

/** Waits until `n` periods were handled with weights set. */
async function periodsSet(n: number): Promise<Done[]> {
  await new Promise<void>((resolve) => {
    wake = () => {
      if (done.filter((d) => d.kind === 'set').length >= n) resolve();
    };
    wake();
  });
  return done.filter((d) => d.kind === 'set');
}

/** SubtensorModule.Weights of the validator's uid, normalised to shares. */
async function chainShares(): Promise<Map<number, number>> {
  const query = net.devnet.api.query.subtensorModule?.weights;
  if (!query) throw new Error('the runtime has no SubtensorModule.Weights');
  const row = (await query(net.netuid, net.validator.uid)).toJSON() as Array<[number, number]>;
  const total = row.reduce((sum, [, w]) => sum + w, 0);
  return new Map(row.map(([uid, w]) => [uid, total > 0 ? w / total : 0]));
}

async function results(name: string): Promise<TaskResult[]> {
  return net.validator.running.storage.results.listForUid(miner(name).uid, { limit: 1_000 });
}

describe('hostile miners next to honest ones', () => {
  it('registers and serves every hostile axon on chain next to the honest miners', () => {
    expect(net.miners.filter((m) => m.external).map((m) => m.name)).toEqual([...HOSTILE_MODES]);
    for (const m of net.miners) expect(m.axon.ip).toBe(MINER_HOST);
  });

  it('handles three periods on schedule, with weights set in each', async () => {
    const set = await periodsSet(3);
    // Consecutive periods, none skipped, and each weights block one period after the last:
    // the work ends on a wall-clock deadline, so the extrinsic lands in the period's last block
    // or the next one (one block of inclusion jitter either way).
    const periods = set.map((d) => d.period);
    expect(periods.slice(1).map((p, i) => p - (periods[i] as number))).toEqual([1, 1]);
    const blocks = set.map((d) => d.block as number);
    process.stdout.write(
      `hostile miners: weights of periods ${periods.join(', ')} at blocks ${blocks.join(', ')}\n`,
    );
    for (let i = 1; i < blocks.length; i++) {
      const gap = (blocks[i] as number) - (blocks[i - 1] as number);
      expect(gap).toBeGreaterThanOrEqual(PERIOD_BLOCKS - 1);
      expect(gap).toBeLessThanOrEqual(PERIOD_BLOCKS + 1);
    }
    // Each period's weights land inside the period they are for, or on the first block after it.
    for (const d of set)
      expect((d.block as number) - (d.period + 1) * PERIOD_BLOCKS).toBeLessThanOrEqual(1);
  }, 180_000);

  it('gives the honest miners at least 95% of the weight and each hostile one at most 1%', async () => {
    await periodsSet(3);
    const shares = await chainShares();
    const honest =
      (shares.get(miner('honest-1').uid) ?? 0) + (shares.get(miner('honest-2').uid) ?? 0);
    expect(honest).toBeGreaterThanOrEqual(0.95);
    const over = HOSTILE_MODES.map((mode) => [mode, shares.get(miner(mode).uid) ?? 0] as const);
    expect(over.filter(([, share]) => share > 0.01)).toEqual([]);
  }, 180_000);

  it('refuses the lying Capacity answers with a stored reason, and asks the rest', async () => {
    await periodsSet(1);
    const answers = await net.validator.running.storage.capacity.list();
    const of = (name: string) => answers.find((a) => a.uid === miner(name).uid);
    for (const mode of ['capacity-flood', 'capacity-negative', 'capacity-string'] as const) {
      expect(of(mode)).toMatchObject({ accepted: false, volumes: {} });
      expect(of(mode)?.reason).toMatch(/^Capacity 422: .*volume/);
    }
    // The axon that never answers is given up on at the Capacity deadline.
    expect(of('hang-connect')).toMatchObject({ accepted: false });
    expect(of('hang-connect')?.reason).toMatch(/^Capacity 408/);
    for (const name of ['honest-1', 'refuse-400', 'drip']) {
      expect(of(name)).toMatchObject({
        accepted: true,
        reason: null,
        volumes: { Completion: 2, TextToImage: 2 },
      });
    }
    // Nothing was planned for a miner whose Capacity was refused, so nothing of it is stored.
    for (const mode of ['capacity-flood', 'capacity-negative', 'capacity-string', 'hang-connect'])
      expect(await results(mode)).toEqual([]);
  }, 180_000);

  it('stores every hostile answer as the miner’s failure, with why', async () => {
    await periodsSet(2);
    const statuses = async (name: string) =>
      [...new Set((await results(name)).map((r) => r.statusCode))].sort();
    // Deadlines cut the silent and the dripping; the endless stream is cut by a deadline or a cap.
    expect(await statuses('hang-headers')).toEqual([408]);
    expect(await statuses('drip')).toEqual([408]);
    for (const code of await statuses('endless-stream')) expect([408, 422]).toContain(code);
    // Too large, unparsable or another synapse's answer: 422; a refusal is stored as it came.
    // The 200 MB answer is cut at the size cap (422), or at its deadline when the box is slow.
    for (const code of await statuses('huge')) expect([408, 422]).toContain(code);
    // Unparsable: 422, at least once (an answer starved of CPU by its neighbours may time out).
    const malformed = await statuses('malformed-json');
    expect(malformed).toContain(422);
    for (const code of malformed) expect([408, 422]).toContain(code);
    // Refusals are stored as they came (a refusal starved of CPU by its neighbours may time out).
    const refusals = await statuses('refuse-400');
    expect(refusals).toContain(400);
    for (const code of refusals) expect([400, 408]).toContain(code);
    // The bomb parses as an answer; its check refuses the image without decoding it.
    const bomb = await results('bomb-png');
    expect(bomb.filter((r) => r.taskKind === 'TextToImage' && r.checked).length).toBeGreaterThan(0);
    for (const r of bomb.filter((x) => x.taskKind === 'TextToImage' && x.checked)) {
      expect([r.checkScore, r.checkReason]).toEqual([0, 'bad-image']);
    }
    // The honest miners' answers all checked out. Checks run behind the queries (every answer
    // is re-run on this 2-core box): a loaded box is given a bounded while to check one of each.
    for (const name of ['honest-1', 'honest-2']) {
      let rows = (await results(name)).filter((r) => r.checked);
      for (let i = 0; i < 60 && rows.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        rows = (await results(name)).filter((r) => r.checked);
      }
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.statusCode === 200 && r.checkScore === 1)).toBe(true);
    }
  }, 180_000);

  it('stays healthy and shows the hostile miners’ faults on /metrics', async () => {
    await periodsSet(3);
    const health = await fetch(`${net.validator.apiUrl}/healthz`);
    const body = (await health.json()) as { ok: boolean; failing: string[]; work: unknown };
    expect([health.status, body.failing]).toEqual([200, []]);
    expect(body.work).toMatchObject({ ok: true });
    const metrics = await (await fetch(`${net.validator.apiUrl}/metrics`)).text();
    const value = (line: RegExp) => Number(metrics.match(line)?.[1] ?? Number.NaN);
    expect(value(/^validator_work_periods_total (\d+)$/m)).toBeGreaterThanOrEqual(3);
    const uid = miner('hang-headers').uid;
    const timeouts = new RegExp(
      `^validator_work_queries_total\\{uid="${uid}",kind="\\w+",outcome="timeout"\\} (\\d+)$`,
      'm',
    );
    expect(value(timeouts)).toBeGreaterThan(0);
    const refused = new RegExp(
      `^validator_work_queries_total\\{uid="${miner('refuse-400').uid}",kind="\\w+",outcome="refused"\\} (\\d+)$`,
      'm',
    );
    expect(value(refused)).toBeGreaterThan(0);
  }, 180_000);

  it('keeps the validator’s memory bounded over five periods', async () => {
    const set = await periodsSet(5);
    const grown = (set[4]?.rss as number) - (set[0]?.rss as number);
    process.stdout.write(
      `hostile miners: RSS after periods 1..5 (MB): ${set
        .slice(0, 5)
        .map((d) => Math.round(d.rss / 2 ** 20))
        .join(', ')}\n`,
    );
    expect(grown).toBeLessThan(300 * 1024 * 1024);
  }, 240_000);
});
