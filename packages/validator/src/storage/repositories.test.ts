import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ValidatorError, ValidatorErrorCode } from '../errors';
import { openStorage, type Storage } from './openStorage';
import type { ScoreComponents } from './scoresRepo';
import type { NewTaskResult } from './taskResultsRepo';
import { engineHarness, STORAGE_ENGINES } from './testing/engines';

const HOTKEY_A = '5HotkeyAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const HOTKEY_B = '5HotkeyBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const HOTKEY_C = '5HotkeyCccccccccccccccccccccccccccccccccccccccccc';

function result(uid: number, hotkey: string, extra: Partial<NewTaskResult> = {}): NewTaskResult {
  return {
    taskId: `task-${uid}`,
    taskKind: 'text-to-image',
    uid,
    hotkey,
    startedMs: 1_000,
    durationMs: 250,
    statusCode: 200,
    createdMs: 1_250,
    ...extra,
  };
}

describe.each(STORAGE_ENGINES)('repositories on %s', (engine) => {
  const harness = engineHarness(engine);
  let storage: Storage;
  beforeAll(async () => {
    storage = await openStorage(await harness.freshConfig());
  });
  afterAll(async () => {
    await storage?.close();
    await harness.close();
  });

  it("resets a uid's history when its hotkey changes, and keeps the others'", async () => {
    expect(
      await storage.miners.syncMetagraph(
        [
          { uid: 1, hotkey: HOTKEY_A },
          { uid: 2, hotkey: HOTKEY_B },
        ],
        100,
      ),
    ).toEqual({ added: [1, 2], replaced: [] });
    const r1 = await storage.results.record(result(1, HOTKEY_A, { taskId: 'shared' }));
    await storage.results.record(result(2, HOTKEY_B, { taskId: 'shared' }));
    expect(await storage.results.markChecked(r1 as number, 0.75, 2_000)).toBe(true);
    await storage.scores.setMoving({
      uid: 1,
      taskKind: 'text-to-image',
      hotkey: HOTKEY_A,
      score: 0.5,
      samples: 3,
      updatedMs: 2_000,
    });
    await storage.scores.setMoving({
      uid: 2,
      taskKind: 'text-to-image',
      hotkey: HOTKEY_B,
      score: 0.25,
      samples: 1,
      updatedMs: 2_000,
    });
    expect(
      await storage.scores.recordPeriod([
        {
          period: 7,
          uid: 1,
          taskKind: 'chat',
          hotkey: HOTKEY_A,
          score: 0.9,
          components: { speed: 0.8 },
          createdMs: 3_000,
        },
        {
          period: 7,
          uid: 2,
          taskKind: 'chat',
          hotkey: HOTKEY_B,
          score: 0.1,
          // Written by a hand or older code: unknown parts and non-numbers are not read back.
          components: { reliability: 0.5, bogus: 3, speed: 'fast' } as unknown as ScoreComponents,
          createdMs: 3_000,
        },
      ]),
    ).toBe(2);
    expect((await storage.scores.listPeriod(7)).map((r) => [r.uid, r.components])).toEqual([
      [1, { speed: 0.8 }],
      [2, { reliability: 0.5 }],
    ]);
    await storage.comparisons.record({
      taskId: 'shared',
      taskKind: 'text-to-image',
      uidA: 1,
      hotkeyA: HOTKEY_A,
      uidB: 2,
      hotkeyB: HOTKEY_B,
      preference: 1,
      createdMs: 2_500,
    });

    // uid 1 changes hands; uid 2 stays.
    expect(
      await storage.miners.syncMetagraph(
        [
          { uid: 1, hotkey: HOTKEY_C },
          { uid: 2, hotkey: HOTKEY_B },
        ],
        5_000,
      ),
    ).toEqual({ added: [], replaced: [1] });
    expect(await storage.miners.list()).toEqual([
      { uid: 1, hotkey: HOTKEY_C, sinceMs: 5_000, updatedMs: 5_000 },
      { uid: 2, hotkey: HOTKEY_B, sinceMs: 100, updatedMs: 5_000 },
    ]);
    expect(await storage.results.listForUid(1)).toEqual([]);
    expect((await storage.results.listForUid(2)).map((r) => r.hotkey)).toEqual([HOTKEY_B]);
    expect(await storage.scores.listMoving()).toEqual([
      {
        uid: 2,
        taskKind: 'text-to-image',
        hotkey: HOTKEY_B,
        score: 0.25,
        samples: 1,
        updatedMs: 2_000,
      },
    ]);
    expect((await storage.scores.listPeriod(7)).map((s) => s.uid)).toEqual([2]);
    // The comparison involved uid 1's old hotkey: gone from uid 2's records too.
    expect(await storage.comparisons.listForUid(2)).toEqual([]);

    // Late writes for the old hotkey are dropped.
    expect(await storage.results.record(result(1, HOTKEY_A))).toBeUndefined();
    expect(
      await storage.scores.setMoving({
        uid: 1,
        taskKind: 'chat',
        hotkey: HOTKEY_A,
        score: 1,
        samples: 1,
        updatedMs: 6_000,
      }),
    ).toBe(false);
    expect(await storage.results.listForUid(1)).toEqual([]);
    expect(await storage.miners.sync({ uid: 2, hotkey: HOTKEY_B }, 6_000)).toBe('same');
  });

  it('stores results exactly and summarizes them per uid and task kind', async () => {
    await storage.miners.sync({ uid: 10, hotkey: HOTKEY_A }, 0);
    const ok = await storage.results.record(
      result(10, HOTKEY_A, { taskId: 't1', taskKind: 'chat', organic: true, createdMs: 10_000 }),
    );
    await storage.results.record(
      result(10, HOTKEY_A, { taskId: 't2', taskKind: 'chat', durationMs: 750, createdMs: 10_001 }),
    );
    await storage.results.record(
      result(10, HOTKEY_A, {
        taskId: 't3',
        taskKind: 'chat',
        statusCode: 504,
        error: 'timeout',
        createdMs: 10_002,
      }),
    );
    expect((await storage.results.listUnchecked({ sinceMs: 10_000 })).map((r) => r.taskId)).toEqual(
      ['t1', 't2'],
    );
    await storage.results.markChecked(ok as number, 0.5, 11_000, 'partial');
    expect((await storage.results.listUnchecked({ sinceMs: 10_000 })).map((r) => r.taskId)).toEqual(
      ['t2'],
    );
    expect(await storage.results.get(ok as number)).toEqual({
      id: ok,
      taskId: 't1',
      taskKind: 'chat',
      organic: true,
      uid: 10,
      hotkey: HOTKEY_A,
      startedMs: 1_000,
      durationMs: 250,
      statusCode: 200,
      checked: true,
      checkScore: 0.5,
      checkReason: 'partial',
      checkedMs: 11_000,
      error: null,
      excused: false,
      createdMs: 10_000,
    });
    expect(await storage.results.summarize(10_000, 10_003)).toEqual([
      {
        uid: 10,
        taskKind: 'chat',
        total: 3,
        succeeded: 2,
        checked: 1,
        meanCheckScore: 0.5,
        meanDurationMs: 500,
      },
    ]);
    // Organic refusals, 429 included, are the client's (left out); an organic 503 and a synthetic
    // refusal count.
    await storage.miners.sync({ uid: 11, hotkey: HOTKEY_B }, 0);
    for (const [statusCode, organic] of [
      [400, true],
      [404, true],
      [503, true],
      [429, true],
      [400, false],
    ] as const) {
      await storage.results.record(
        result(11, HOTKEY_B, { taskId: `o${statusCode}`, statusCode, organic, createdMs: 20_000 }),
      );
    }
    expect(await storage.results.summarize(20_000, 20_001)).toEqual([
      expect.objectContaining({ uid: 11, total: 2, succeeded: 0 }),
    ]);
    // Synthetic results by start time, for the outage finder; an excused one leaves the summary.
    const timings = await storage.results.listTimings(10_000, 10_003);
    expect(timings.map((t) => [t.uid, t.statusCode])).toEqual([
      [10, 200],
      [10, 504],
    ]);
    const failedId = (timings[1] as { id: number }).id;
    expect(await storage.results.excuse([failedId])).toBe(1);
    expect(await storage.results.excuse([failedId])).toBe(0);
    expect((await storage.results.get(failedId))?.excused).toBe(true);
    expect(await storage.results.summarize(10_000, 10_003)).toEqual([
      expect.objectContaining({ uid: 10, total: 2, succeeded: 2 }),
    ]);
    // t1, t2, and uid 2's result from the first test (created at 1 250).
    expect(await storage.results.prune(10_002)).toBe(3);
    expect((await storage.results.listForUid(10)).map((r) => r.taskId)).toEqual(['t3']);
  });

  it('keeps each miner’s newest Capacity answer, for its current hotkey only', async () => {
    await storage.miners.sync({ uid: 30, hotkey: HOTKEY_A }, 0);
    const answer = {
      uid: 30,
      hotkey: HOTKEY_A,
      period: 4,
      accepted: true,
      reason: 'Chat: volume 1000000 capped to 1024',
      volumes: { Chat: 1024 },
      updatedMs: 7,
    };
    expect(await storage.capacity.record(answer)).toBe(true);
    const refused = { ...answer, period: 5, accepted: false, reason: 'x'.repeat(900), volumes: {} };
    expect(await storage.capacity.record(refused)).toBe(true);
    expect(await storage.capacity.record({ ...answer, hotkey: HOTKEY_B })).toBe(false);
    const [row] = (await storage.capacity.list()).filter((r) => r.uid === 30);
    expect(row).toEqual({ ...refused, reason: 'x'.repeat(500) });
  });

  it('prunes old comparisons and period scores', async () => {
    await storage.miners.syncMetagraph(
      [
        { uid: 20, hotkey: HOTKEY_A },
        { uid: 21, hotkey: HOTKEY_B },
      ],
      0,
    );
    const pair = {
      taskId: 'p',
      taskKind: 'chat',
      uidA: 20,
      hotkeyA: HOTKEY_A,
      uidB: 21,
      hotkeyB: HOTKEY_B,
    };
    await storage.comparisons.record({ ...pair, preference: 0.5, createdMs: 50_000 });
    const kept = await storage.comparisons.record({ ...pair, preference: 0, createdMs: 60_000 });
    expect(await storage.comparisons.prune(60_000)).toBe(1);
    expect(
      (await storage.comparisons.listBetween(0, 100_000)).map((c) => [c.id, c.preference]),
    ).toEqual([[kept, 0]]);
    const score = {
      uid: 20,
      taskKind: 'chat',
      hotkey: HOTKEY_A,
      score: 1,
      components: {},
      createdMs: 1,
    };
    await storage.scores.recordPeriod([
      { ...score, period: 100 },
      { ...score, period: 101 },
    ]);
    // Period 7 (uid 2, first test) and 100 go; 101 stays.
    expect(await storage.scores.prunePeriods(101)).toBe(2);
    expect(await storage.scores.latestPeriod()).toBe(101);
    expect(await storage.scores.listPeriod(100)).toEqual([]);
  });

  it('stores prepared weights pending before they are sent, and records where they landed', async () => {
    const vector = { netuid: 4, uids: [1, 2], weights: [65_535, 30_000], versionKey: 7 };
    const set = await storage.weights.recordPrepared({
      ...vector,
      path: 'set',
      mecid: 0,
      uid: 3,
      preparedBlock: 40,
      nowMs: 1,
    });
    const timelocked = await storage.weights.recordPrepared({
      ...vector,
      path: 'commit_timelocked',
      mecid: 1,
      uid: 3,
      preparedBlock: 41,
      commitHash: '0xfeed',
      revealAfterBlock: 70,
      revealRound: 123_456,
      commitData: '0x0102',
      nowMs: 2,
    });
    const hash = await storage.weights.recordPrepared({
      ...vector,
      path: 'commit_hash',
      mecid: 0,
      uid: 3,
      preparedBlock: 42,
      commitHash: '0xbeef',
      salt: [9, 8],
      revealAfterBlock: 66,
      nowMs: 3,
    });
    await expect(
      storage.weights.recordPrepared({
        ...vector,
        path: 'commit_timelocked',
        mecid: 0,
        uid: 3,
        preparedBlock: 1,
        commitHash: '0x1',
        nowMs: 4,
      }),
    ).rejects.toThrow('a timelocked commit needs its revealRound and commitData');
    expect(
      (await storage.weights.inFlight(4)).map((r) => [r.id, r.path, r.mecid, r.block]),
    ).toEqual([
      [set, 'set', 0, null],
      [timelocked, 'commit_timelocked', 1, null],
      [hash, 'commit_hash', 0, null],
    ]);
    expect(await storage.weights.markLanded(set, 41, 5)).toBe(true);
    expect(await storage.weights.markLanded(timelocked, 42, 6)).toBe(true);
    expect(await storage.weights.markLanded(hash, 43, 7)).toBe(true);
    expect(await storage.weights.markLanded(set, 44, 8)).toBe(false);
    // A set and a timelocked commit are done once landed; a hash commit waits for its reveal.
    expect(
      (await storage.weights.history(4)).map((r) => [
        r.path,
        r.status,
        r.block,
        r.revealRound,
        r.commitData,
        r.salt,
      ]),
    ).toEqual([
      ['commit_hash', 'pending', 43, null, null, [9, 8]],
      ['commit_timelocked', 'done', 42, 123_456, '0x0102', []],
      ['set', 'done', 41, null, null, null],
    ]);
    expect((await storage.weights.inFlight(4)).map((r) => r.id)).toEqual([hash]);
    expect((await storage.weights.pendingCommits(4)).map((r) => r.id)).toEqual([hash]);
  });

  it('records weight settings and keeps commits pending until revealed', async () => {
    const vector = { netuid: 3, uids: [0, 4, 9], weights: [65_535, 1_000, 0], versionKey: 1_002 };
    await storage.weights.recordSet({ ...vector, status: 'done', block: 100, nowMs: 1 });
    await storage.weights.recordSet({ ...vector, status: 'failed', error: 'TooFast', nowMs: 2 });
    const commit = await storage.weights.recordCommit({
      ...vector,
      block: 200,
      commitHash: '0xabc123',
      salt: [1, 2, 65_535],
      revealAfterBlock: 560,
      nowMs: 3,
    });
    expect(await storage.weights.pendingCommits(3)).toEqual([
      {
        id: commit,
        netuid: 3,
        mode: 'commit',
        status: 'pending',
        block: 200,
        uids: [0, 4, 9],
        weights: [65_535, 1_000, 0],
        versionKey: 1_002,
        commitHash: '0xabc123',
        salt: [1, 2, 65_535],
        revealAfterBlock: 560,
        revealedBlock: null,
        path: 'commit_hash',
        mecid: 0,
        uid: null,
        preparedBlock: null,
        revealRound: null,
        commitData: null,
        error: null,
        createdMs: 3,
        updatedMs: 3,
      },
    ]);
    expect(await storage.weights.lastSuccessBlock(3)).toBe(200);
    expect(await storage.weights.markRevealed(commit, 561, 4)).toBe(true);
    expect(await storage.weights.markRevealed(commit, 562, 5)).toBe(false);
    expect(await storage.weights.pendingCommits(3)).toEqual([]);
    expect(
      (await storage.weights.history(3)).map((w) => [w.mode, w.status, w.revealedBlock]),
    ).toEqual([
      ['commit', 'done', 561],
      ['set', 'failed', null],
      ['set', 'done', null],
    ]);
    const error = await storage.weights
      .recordSet({ ...vector, weights: [1, 70_000, 0], status: 'done', nowMs: 6 })
      .catch((e: unknown) => e);
    expect((error as ValidatorError).code).toBe(ValidatorErrorCode.StorageInvalidValue);
  });

  it('commits a transaction whole or not at all', async () => {
    await storage.state.set('period', { index: 4 }, 1);
    const error = await storage
      .transaction(async (tx) => {
        await tx.state.set('period', { index: 5 }, 2);
        await tx.miners.sync({ uid: 70_000, hotkey: HOTKEY_A }, 2);
      })
      .catch((e: unknown) => e);
    expect((error as ValidatorError).code).toBe(ValidatorErrorCode.StorageInvalidValue);
    expect(await storage.state.get('period')).toEqual({ index: 4 });
    await storage.transaction(async (tx) => {
      await tx.state.set('period', { index: 5 }, 3);
      await tx.miners.sync({ uid: 99, hotkey: HOTKEY_C }, 3);
    });
    expect(await storage.state.get('period')).toEqual({ index: 5 });
    expect((await storage.miners.get(99))?.hotkey).toBe(HOTKEY_C);
  });

  it('reads the newest periods for trends (bounded), and which uids ever answered', async () => {
    await storage.miners.syncMetagraph(
      [
        { uid: 30, hotkey: HOTKEY_A },
        { uid: 31, hotkey: HOTKEY_B },
        { uid: 32, hotkey: HOTKEY_C },
      ],
      0,
    );
    const row = (period: number, uid: number, hotkey: string, taskKind: string, score: number) => ({
      period,
      uid,
      taskKind,
      hotkey,
      score,
      components: { quality: score },
      createdMs: 1,
    });
    // Periods 1000, 1001, 1003 (1002 was never scored): newer than any other test's.
    await storage.scores.recordPeriod([
      row(1000, 30, HOTKEY_A, 'chat', 0.1),
      row(1001, 30, HOTKEY_A, 'chat', 0.2),
      row(1001, 31, HOTKEY_B, 'chat', 0.3),
      row(1003, 31, HOTKEY_B, 'chat', 0.4),
      row(1003, 30, HOTKEY_A, 'image', 0.5),
      row(1003, 30, HOTKEY_A, 'chat', 0.6),
    ]);
    const brief = (rows: { period: number; uid: number; taskKind: string; score: number }[]) =>
      rows.map((r) => [r.period, r.uid, r.taskKind, r.score]);
    // The two newest scored periods, oldest first, without components.
    const recent = await storage.scores.listRecentPeriods(2, 100);
    expect(brief(recent)).toEqual([
      [1001, 30, 'chat', 0.2],
      [1001, 31, 'chat', 0.3],
      [1003, 30, 'chat', 0.6],
      [1003, 30, 'image', 0.5],
      [1003, 31, 'chat', 0.4],
    ]);
    expect(recent[0]).toEqual({
      period: 1001,
      uid: 30,
      taskKind: 'chat',
      hotkey: HOTKEY_A,
      score: 0.2,
    });
    // Over the row limit, the newest rows are kept.
    expect(brief(await storage.scores.listRecentPeriods(2, 2))).toEqual([
      [1003, 30, 'image', 0.5],
      [1003, 31, 'chat', 0.4],
    ]);
    expect(await storage.scores.listRecentPeriods(0, 100)).toEqual([]);

    // uid 30 answered once among failures; 31 only failed; 32 has no result at all.
    await storage.results.record(result(30, HOTKEY_A, { statusCode: 408, createdMs: 2_000 }));
    await storage.results.record(result(30, HOTKEY_A, { statusCode: 200, createdMs: 2_001 }));
    await storage.results.record(result(31, HOTKEY_B, { statusCode: 500, createdMs: 2_002 }));
    expect(await storage.results.answeredUids([32, 31, 30, 30])).toEqual([30]);
    expect(await storage.results.answeredUids([])).toEqual([]);
  });
});
