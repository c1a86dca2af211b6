/**
 * The daemon's work loop on the real devnet: two test miner axons registered and served on chain
 * (an honest one and one that tampers with its tokens), the validator registered; one period run
 * from the chain's metagraph: capacities asked, queries planned and sent, answers checked with the
 * validator's own test models, scores folded in the shape the daemon stores.
 */
import { ChainClient, type Metagraph } from '@subnet/chain';
import { type Devnet, startDevnet } from '@subnet/chain/devnet';
import { devKeys } from '@subnet/chain/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createWorkLoop,
  PERIOD_START_KEY,
  SEED_INDEX_KEY,
  servingTargets,
} from '../../src/work/periodWorkLoop';
import { workSettings } from '../../src/work/workSettings';
import { startTestMiner, type TestMiner } from './support/testMiner';
import { checkModels, type Engines, openEngines, openTestStorage } from './support/workHarness';

// The chain refuses to serve 127.0.0.1 itself; the rest of 127/8 is loopback as well.
const HOST = '127.0.0.2';
const capacities = { Completion: { volume: 2, models: ['tiny-llm'], loras: [] } };
/** Every offered unit is tested (the default tests a random share of it), so counts are exact. */
const EVERY_OFFER = workSettings({ testShare: [1, 1] });

let devnet: Devnet;
let client: ChainClient;
let engines: Engines;
let db: Awaited<ReturnType<typeof openTestStorage>>;
let mg: Metagraph;
const miners: TestMiner[] = [];

beforeAll(async () => {
  devnet = await startDevnet();
  client = await ChainClient.connect({ network: devnet.endpoint });
  engines = await openEngines();
  db = await openTestStorage();
  const keys = await devKeys();
  const netuid = devnet.netuid;
  miners.push(
    await startTestMiner({ hotkey: keys.charlie.hotkey, llm: engines.llm, capacities, host: HOST }),
    await startTestMiner({
      hotkey: keys.dave.hotkey,
      llm: engines.llm,
      capacities,
      host: HOST,
      behaviour: { tamperTokenId: 65 },
    }),
  );
  for (const k of [keys.bob, keys.charlie, keys.dave]) {
    await client.burnedRegister({ netuid, coldkey: k.coldkey, hotkey: k.hotkey.address });
  }
  for (const [i, k] of [keys.charlie, keys.dave].entries()) {
    await client.serveAxon({
      netuid,
      hotkey: k.hotkey,
      ip: HOST,
      port: (miners[i] as TestMiner).port,
    });
  }
  mg = await client.metagraph(netuid);
  await db.storage.miners.syncMetagraph(
    mg.neurons.map((n) => ({ uid: n.uid, hotkey: n.hotkey })),
    mg.block,
  );
}, 120_000);

afterAll(async () => {
  await Promise.all(miners.map((m) => m.close()));
  await db?.close();
  await engines?.release();
  await client?.close();
  await devnet?.close();
});

describe('the work loop', () => {
  it('queries the served miners of the metagraph and scores the honest one above the cheat', async () => {
    const keys = await devKeys();
    const uidOf = (address: string) => mg.neurons.find((n) => n.hotkey === address)?.uid;
    const [bob, charlie, dave] = [keys.bob, keys.charlie, keys.dave].map((k) =>
      uidOf(k.hotkey.address),
    );
    // The validator never queries itself, and an axon that was never served is skipped.
    expect(servingTargets(mg, keys.bob.hotkey.address)).toEqual([
      { uid: charlie, hotkey: keys.charlie.hotkey.address, ip: HOST, port: miners[0]?.port },
      { uid: dave, hotkey: keys.dave.hotkey.address, ip: HOST, port: miners[1]?.port },
    ]);

    const loop = createWorkLoop({
      hotkey: keys.bob.hotkey,
      models: checkModels(engines),
      settings: EVERY_OFFER,
      blockMs: 3000,
      checkShare: 1,
      headToHeadShare: 0.5,
      profile: { maxTokens: [12, 16], temperatures: [0.7], maxPromptChars: 80 },
    });
    // The period the metagraph's block is in, as the daemon would give it.
    const period = Math.floor(mg.block / 2);
    const result = await loop.runPeriod({
      period,
      startBlock: period * 2,
      periodBlocks: 2,
      metagraph: { ...mg, block: period * 2 },
      storage: db.storage,
      signal: new AbortController().signal,
      logger: pino({ level: 'silent' }),
    });
    await loop.close();

    // Each miner offered 2 Completions; with every other query paired, each got its 2.
    expect(miners.map((m) => m.served.filter((s) => s === 'Completion').length)).toEqual([2, 2]);
    expect(miners.map((m) => m.served.filter((s) => s === 'Capacity').length)).toEqual([1, 1]);
    expect(await db.storage.state.get(SEED_INDEX_KEY)).toBe(3);
    expect(result.period).toBe(period);
    expect(result.scores.map((s) => [s.uid, s.taskKind, s.period])).toEqual([
      [charlie, 'Completion', period],
      [dave, 'Completion', period],
    ]);
    expect(result.scores.every((s) => s.uid !== bob)).toBe(true);
    for (const s of result.scores) {
      expect(Object.keys(s.components).sort()).toEqual([
        'check',
        'headToHead',
        'quality',
        'reliability',
        'speed',
        'volume',
      ]);
    }
    const [honest, cheat] = result.scores;
    // The honest miner reproduces exactly; the cheat's tampered tokens fail the logprob check.
    expect(honest?.components.check).toBe(1);
    expect(cheat?.components.check).toBeLessThan(0.5);
    expect(honest?.components.headToHead).toBeGreaterThan(cheat?.components.headToHead ?? 1);
    expect(honest?.components.volume).toBe(cheat?.components.volume);
    expect(honest?.score).toBeGreaterThan(cheat?.score ?? 1);
    // The rows are also stored, as the daemon's `recordPeriod` would (idempotently) do again.
    expect((await db.storage.scores.listPeriod(period)).map((s) => s.uid)).toEqual([charlie, dave]);
  });

  it('stops at once on an aborted signal and still folds the period', async () => {
    const keys = await devKeys();
    const before = miners.map((m) => m.served.length);
    const abort = new AbortController();
    abort.abort();
    const loop = createWorkLoop({
      hotkey: keys.bob.hotkey,
      models: checkModels(engines),
      settings: EVERY_OFFER,
      blockMs: 60_000,
    });
    const period = Math.floor(mg.block / 2) + 1;
    const result = await loop.runPeriod({
      period,
      startBlock: period * 2,
      periodBlocks: 2,
      metagraph: mg,
      storage: db.storage,
      signal: abort.signal,
      logger: pino({ level: 'silent' }),
    });
    await loop.close();
    // A validator that is stopping asks nothing, not even the Capacity questions.
    expect(miners.map((m, i) => m.served.length - (before[i] as number))).toEqual([0, 0]);
    expect(result.period).toBe(period);
    expect(result.scores.map((s) => s.components.volume)).toEqual([0, 0]);
  });
});

describe('organic work during a period', () => {
  it('takes the place of a synthetic query of the miner it goes to', async () => {
    const keys = await devKeys();
    const loop = createWorkLoop({
      hotkey: keys.bob.hotkey,
      models: checkModels(engines),
      settings: EVERY_OFFER,
      // 2 blocks of 3 s: the deadline is at 3 s, the 4 planned Completions spread over 2.4 s.
      blockMs: 3000,
      checkShare: 0,
      headToHeadShare: 0,
      profile: { maxTokens: [8, 8] as const, temperatures: [0.7], maxPromptChars: 80 },
    });
    expect(loop.takeOrganic('Completion', [])).toBeUndefined(); // no period planned yet
    const before = miners.map((m) => m.served.filter((s) => s === 'Completion').length);
    const period = Math.floor(mg.block / 2) + 20;
    const running = loop.runPeriod({
      period,
      startBlock: period * 2,
      periodBlocks: 2,
      // The metagraph as of the period's first block: its 2 blocks are all left.
      metagraph: { ...mg, block: period * 2 },
      storage: db.storage,
      signal: new AbortController().signal,
      logger: pino({ level: 'silent' }),
    });
    // As soon as the period is planned, two organic Completions take from its budget.
    let first: number | undefined;
    while (first === undefined) {
      first = loop.takeOrganic('Completion', []);
      if (first === undefined) await new Promise((r) => setTimeout(r, 10));
    }
    const second = loop.takeOrganic('Completion', [first]);
    await running;
    await loop.close();
    const uids = miners.map((m) => mg.neurons.find((n) => n.hotkey === m.hotkey)?.uid);
    expect([first, second].sort()).toEqual([...uids].sort());
    // Each miner offered 2; one of each went to organic work, so one synthetic query each.
    const after = miners.map((m) => m.served.filter((s) => s === 'Completion').length);
    expect(after.map((n, i) => n - (before[i] as number))).toEqual([1, 1]);
    expect(loop.takeOrganic('Completion', [])).toBeUndefined(); // the period is over
  });
});

describe('a validator restarted mid-period', () => {
  it('scores the answers given before the restart, does not ask them again, folds the period once', async () => {
    const keys = await devKeys();
    const options = {
      hotkey: keys.bob.hotkey,
      models: checkModels(engines),
      settings: EVERY_OFFER,
      blockMs: 3000,
      checkShare: 1,
      headToHeadShare: 0,
      profile: { maxTokens: [12, 16] as const, temperatures: [0.7], maxPromptChars: 80 },
    };
    const period = Math.floor(mg.block / 2) + 10;
    const ctx = (signal: AbortSignal) => ({
      period,
      startBlock: period * 2,
      periodBlocks: 2,
      metagraph: { ...mg, block: period * 2 },
      storage: db.storage,
      signal,
      logger: pino({ level: 'silent' }),
    });
    // The first process does the period's work; it stops before the daemon records the period.
    const first = createWorkLoop(options);
    const before = await first.runPeriod(ctx(new AbortController().signal));
    await first.close();
    const movingBefore = await db.storage.scores.listMoving();
    expect(await db.storage.state.get(PERIOD_START_KEY)).toMatchObject({ period });

    // The restarted process (a new loop, the same storage) re-runs the period: what the miners
    // answered before the restart is not asked again, and is scored with the rest.
    const completions = () => miners.map((m) => m.served.filter((n) => n === 'Completion').length);
    const answered = completions();
    const second = createWorkLoop(options);
    const after = await second.runPeriod(ctx(new AbortController().signal));
    await second.close();
    expect(completions()).toEqual(answered);
    const strip = (rows: typeof before.scores) =>
      rows.map(({ createdMs: _c, ...row }) => row).sort((a, b) => a.uid - b.uid);
    // Both miners answered 2 checked Completions before the restart; they still count after it.
    expect(strip(before.scores).map((r) => r.components.volume)).toEqual([1, 1]);
    expect(strip(after.scores)).toEqual(strip(before.scores));
    // Folding the period again started from the same moving scores: nothing counted twice.
    const strip2 = (rows: typeof movingBefore) =>
      rows.map(({ updatedMs: _u, ...row }) => row).sort((a, b) => a.uid - b.uid);
    expect(strip2(await db.storage.scores.listMoving())).toEqual(strip2(movingBefore));
  });
});

describe('the validator’s own network down for a period', () => {
  it('excuses every failure of that period: no miner’s score drops', async () => {
    const keys = await devKeys();
    const loop = createWorkLoop({
      hotkey: keys.bob.hotkey,
      models: checkModels(engines),
      settings: EVERY_OFFER,
      blockMs: 3000,
      checkShare: 1,
      headToHeadShare: 0,
      profile: { maxTokens: [8, 12] as const, temperatures: [0.7], maxPromptChars: 80 },
    });
    const run = (period: number, metagraph: Metagraph) =>
      loop.runPeriod({
        period,
        startBlock: period * 2,
        periodBlocks: 2,
        metagraph: { ...metagraph, block: period * 2 },
        storage: db.storage,
        signal: new AbortController().signal,
        logger: pino({ level: 'silent' }),
      });
    const first = Math.floor(mg.block / 2) + 40;
    const before = await run(first, mg);
    const movingBefore = await db.storage.scores.listMoving();
    // Seen from the validator, every axon is unreachable at once (nothing listens where it
    // connects): its Capacity questions fail, the miners keep their last offers, every query fails.
    const unreachable: Metagraph = {
      ...mg,
      neurons: mg.neurons.map((n) =>
        n.axon.port > 0 ? { ...n, axon: { ...n.axon, port: 1 } } : n,
      ),
    };
    const t0 = Date.now();
    const during = await run(first + 1, unreachable);
    await loop.close();
    // Every query of the period failed as unreachable, and each was excused, not scored.
    const failed = (
      await Promise.all(
        miners.map((m) => {
          const uid = mg.neurons.find((n) => n.hotkey === m.hotkey)?.uid as number;
          return db.storage.results.listForUid(uid, { sinceMs: t0 });
        }),
      )
    ).flat();
    expect(failed.length).toBeGreaterThanOrEqual(4);
    expect(failed.map((r) => [r.statusCode, r.excused])).toEqual(failed.map(() => [503, true]));
    expect(loop.lastReport?.excused).toBe(failed.length);
    // The moving scores are untouched, and the period's scores keep every miner's quality.
    const strip = (rows: typeof movingBefore) =>
      rows.map(({ updatedMs: _u, ...row }) => row).sort((a, b) => a.uid - b.uid);
    expect(strip(await db.storage.scores.listMoving())).toEqual(strip(movingBefore));
    const quality = (rows: typeof before.scores) =>
      rows.map((r) => [r.uid, r.taskKind, r.components.quality]).sort();
    expect(quality(during.scores)).toEqual(quality(before.scores));
    expect(during.scores.every((r) => r.components.reliability === 1)).toBe(true);
  });
});

describe('a miner that stops answering', () => {
  it('keeps its last offer, fails its queries and is observed at 0', async () => {
    const keys = await devKeys();
    const loop = createWorkLoop({
      hotkey: keys.bob.hotkey,
      models: checkModels(engines),
      settings: EVERY_OFFER,
      blockMs: 3000,
      checkShare: 1,
    });
    const run = (period: number) =>
      loop.runPeriod({
        period,
        startBlock: period * 2,
        periodBlocks: 2,
        metagraph: { ...mg, block: period * 2 },
        storage: db.storage,
        signal: new AbortController().signal,
        logger: pino({ level: 'silent' }),
      });
    const first = Math.floor(mg.block / 2) + 2;
    await run(first);
    const dave = mg.neurons.find((n) => n.hotkey === keys.dave.hotkey.address)?.uid;
    await miners[1]?.close();
    const sinceMs = Date.now();
    const result = await run(first + 1);
    await loop.close();
    const row = result.scores.find((s) => s.uid === dave);
    expect(row?.components.check).toBe(0);
    expect(row?.components.volume).toBe(0);
    // This period: its two planned queries (and any fallback sent its way) all failed, and count.
    const failed = await db.storage.results.listForUid(dave as number, { sinceMs });
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed.map((r) => [r.statusCode, r.excused])).toEqual(failed.map(() => [503, false]));
  });
});
