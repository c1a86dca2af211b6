/**
 * One period of the work loop, end to end on loopback: ask capacities, plan, run every planned
 * query (synthetic tasks from the validator's seed range, fallbacks, checks, head-to-head),
 * fold the stored results into period scores and a weight vector. An honest miner ends far
 * above a cheating one; a miner that is down gets nothing.
 */
import { Dendrite } from '@subnet/protocol';
import type { TaskKind } from '@subnet/protocol/tasks';
import { devHotkey } from '@subnet/protocol/testing';
import { weightVector } from '@subnet/scoring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldPeriodScores } from '../../src/work/periodScores';
import { queryCapacity } from '../../src/work/queryCapacity';
import type { MinerTarget } from '../../src/work/queryMiner';
import { runPlannedQuery } from '../../src/work/runPlannedQuery';
import { type MinerCapacity, markSent, planPeriod, takeQuery } from '../../src/work/schedule';
import { Slots } from '../../src/work/slots';
import { seedOwner, taskSeedAt } from '../../src/work/taskSeeds';
import { DEFAULT_WORK_SETTINGS } from '../../src/work/workSettings';
import { startTestMiner, type TestMiner } from './support/testMiner';
import { checkModels, type Engines, openEngines, openTestStorage } from './support/workHarness';

const VALIDATOR_UID = 9;
const capacities = {
  TextToImage: { volume: 2, models: ['tiny-sd'], loras: [] },
  Completion: { volume: 2, models: ['tiny-llm'], loras: [] },
};

let engines: Engines;
let dendrite: Dendrite;
let db: Awaited<ReturnType<typeof openTestStorage>>;
const started: TestMiner[] = [];
const targets = new Map<number, MinerTarget>();

beforeAll(async () => {
  engines = await openEngines();
  dendrite = new Dendrite({ hotkey: await devHotkey('alice') });
  db = await openTestStorage();
  const honest = await startTestMiner({
    hotkey: await devHotkey('bob'),
    ...engines,
    capacities: { ...capacities, Chat: { volume: 1, models: ['tiny-llm'], loras: [] } },
  });
  const cheat = await startTestMiner({
    hotkey: await devHotkey('charlie'),
    ...engines,
    capacities,
    behaviour: { seedOffset: 7, tamperTokenId: 65 },
  });
  started.push(honest, cheat);
  targets.set(1, { uid: 1, hotkey: honest.hotkey, ip: '127.0.0.1', port: honest.port });
  targets.set(2, { uid: 2, hotkey: cheat.hotkey, ip: '127.0.0.1', port: cheat.port });
  // uid 0 is registered but its axon is down.
  targets.set(0, { uid: 0, hotkey: (await devHotkey('dave')).address, ip: '127.0.0.1', port: 1 });
  await db.storage.miners.syncMetagraph(
    [...targets.values()].map((t) => ({ uid: t.uid, hotkey: t.hotkey })),
    0,
  );
}, 60_000);

afterAll(async () => {
  await dendrite?.close();
  await Promise.all(started.map((m) => m.close()));
  await db?.close();
  await engines?.release();
});

describe('a period of work', () => {
  it('scores the honest miner above the cheat, and the miner that is down at 0', async () => {
    const answers = new Map<number, Awaited<ReturnType<typeof queryCapacity>>>();
    for (const [uid, target] of targets) answers.set(uid, await queryCapacity(dendrite, target));
    expect(answers.get(2)).toEqual({ ok: true, capacities });
    // The down miner's refusal says why: nothing listens on its port.
    expect(answers.get(0)).toMatchObject({ ok: false, statusCode: 503 });
    const offered = (uid: number) => {
      const a = answers.get(uid);
      return a?.ok ? a.capacities : undefined;
    };
    // The down miner offered one Chat last period; the validator still plans it.
    const miners: MinerCapacity[] = [...targets.keys()].map((uid) => ({
      uid,
      capacities: offered(uid) ?? { Chat: { volume: 1 } },
    }));
    let plan = planPeriod(miners, { startMs: 0, periodMs: 1_000, headToHeadShare: 0.5 });
    const planned = plan.queries.map((q) => `${q.atMs} ${q.kind} ${q.uids.join('+')}`);
    expect(planned).toEqual([
      '250 Completion 1',
      '250 TextToImage 1',
      '250 Completion 2+1',
      '250 TextToImage 2+1',
      '500 Chat 0',
      '500 Chat 1',
      '750 Completion 2',
      '750 TextToImage 2',
    ]);

    let clock = 0;
    // What a miner that did not answer served last period.
    const lastPeriod: Partial<Record<TaskKind, string>> = { Chat: 'tiny-llm' };
    const modelFor = (uid: number, kind: TaskKind) =>
      offered(uid)?.[kind]?.models[0] ?? lastPeriod[kind];
    const deps = {
      dendrite,
      results: db.storage.results,
      comparisons: db.storage.comparisons,
      models: checkModels(engines),
      targets,
      modelFor,
      profile: {
        imageSizes: [[512, 512] as const],
        steps: [2, 3] as const,
        maxTokens: [12, 20] as const,
        temperatures: [0.7],
        maxPromptChars: 80,
      },
      checkShare: 1,
      random: () => 0,
      now: () => clock,
      settings: DEFAULT_WORK_SETTINGS,
      checkSlots: new Slots(1),
      skipped: { checks: 0 },
    };
    const never = new AbortController().signal;
    const ctx = {
      deadlineMs: Number.POSITIVE_INFINITY,
      stop: never,
      period: never,
      fallback: (kind: TaskKind, atMs: number, exclude: readonly number[]) => {
        const taken = takeQuery(plan, kind, atMs, exclude);
        if (!taken) return undefined;
        plan = taken.plan;
        return taken.uid;
      },
    };
    let index = 0;
    const seeds: number[] = [];
    // Each step sends the earliest query still planned (a fallback may cancel a later one).
    for (let query = plan.queries[0]; query; query = plan.queries[0]) {
      clock = query.atMs;
      const seed = taskSeedAt(VALIDATOR_UID, index++);
      seeds.push(seed);
      plan = markSent(plan, query);
      await runPlannedQuery(deps, query, seed, ctx).done;
    }
    expect(seeds.every((s) => seedOwner(s) === VALIDATOR_UID)).toBe(true);
    expect(plan.queries).toEqual([]);

    expect(seeds).toHaveLength(7);
    const rows = await db.storage.results.listForUid(0);
    expect(rows.map((r) => [r.taskKind, r.statusCode, r.checked])).toEqual([['Chat', 503, false]]);
    // The down miner's task fell back to the miner with most spare capacity.
    const fallback = await db.storage.results.listForTask(rows[0]?.taskId ?? '');
    expect(fallback.map((r) => [r.uid, r.statusCode, r.checkScore])).toEqual([
      [0, 503, null],
      [1, 200, 1],
    ]);

    const folded = await foldPeriodScores(db.storage, {
      period: 1,
      nowMs: 1_000,
      fromMs: 0,
      toMs: 1_001,
      hotkeys: new Map([...targets].map(([uid, t]) => [uid, t.hotkey])),
      offered: new Map(
        miners.map((m) => [
          m.uid,
          Object.fromEntries(Object.entries(m.capacities).map(([k, c]) => [k, c?.volume ?? 0])),
        ]),
      ),
    });
    const moving = await db.storage.scores.listMoving();
    expect(moving.map((m) => [m.uid, m.taskKind, m.score])).toMatchInlineSnapshot(`
      [
        [
          0,
          "Chat",
          0,
        ],
        [
          1,
          "Chat",
          0.1,
        ],
        [
          1,
          "Completion",
          0.1,
        ],
        [
          1,
          "TextToImage",
          0.1,
        ],
        [
          2,
          "Completion",
          0,
        ],
        [
          2,
          "TextToImage",
          0.00004301559405222378,
        ],
      ]
    `);
    const weights = weightVector([0, 1, 2], folded.tasks);
    expect(weights[0]).toBe(0);
    // Speed (a percentile of measured times) is the only timing-dependent part: whichever miner
    // was faster, the honest one holds above 0.95 of the weight (worst case 0.970).
    expect(weights[1]).toBeGreaterThan(0.95);
    expect(weights[2]).toBeLessThan(0.05);
    expect((await db.storage.scores.listPeriod(1)).length).toBe(folded.periodRows.length);
  });
});
