import { weightVector } from '@subnet/scoring';
import { describe, expect, it } from 'vitest';
import { computePeriodScores, type PeriodFacts } from './periodScores';

const kind = 'TextToImage';
const facts: PeriodFacts = {
  period: 7,
  nowMs: 5_000,
  hotkeys: new Map([
    [1, 'h1'],
    [2, 'h2'],
    [3, 'h3'],
  ]),
  summaries: [
    {
      uid: 1,
      taskKind: kind,
      total: 4,
      succeeded: 4,
      checked: 2,
      meanCheckScore: 1,
      meanDurationMs: 2_000,
    },
    {
      uid: 2,
      taskKind: kind,
      total: 4,
      succeeded: 4,
      checked: 2,
      meanCheckScore: 0.25,
      meanDurationMs: 4_000,
    },
    {
      uid: 3,
      taskKind: kind,
      total: 2,
      succeeded: 0,
      checked: 0,
      meanCheckScore: null,
      meanDurationMs: null,
    },
  ],
  comparisons: [
    {
      taskId: 't',
      taskKind: kind,
      uidA: 1,
      hotkeyA: 'h1',
      uidB: 2,
      hotkeyB: 'h2',
      preference: 1,
      createdMs: 1,
    },
  ],
  previous: [
    { uid: 1, taskKind: kind, hotkey: 'h1', score: 0.5, samples: 3, updatedMs: 1 },
    // uid 2 changed hands since: its history is dropped.
    { uid: 2, taskKind: kind, hotkey: 'old', score: 0.5, samples: 9, updatedMs: 1 },
  ],
  offered: new Map([
    [1, { TextToImage: 4 }],
    [2, { TextToImage: 8 }],
    [3, { TextToImage: 2 }],
  ]),
};

describe('computePeriodScores', () => {
  const result = computePeriodScores(facts);

  it('folds the mean check value into the moving averages, resetting replaced hotkeys', () => {
    expect(result.moving).toEqual([
      {
        uid: 1,
        taskKind: kind,
        hotkey: 'h1',
        score: 0.1 * 1 + 0.9 * 0.5,
        samples: 4,
        updatedMs: 5_000,
      },
      { uid: 2, taskKind: kind, hotkey: 'h2', score: 0.1 * 0.25, samples: 1, updatedMs: 5_000 },
      { uid: 3, taskKind: kind, hotkey: 'h3', score: 0, samples: 1, updatedMs: 5_000 },
    ]);
  });

  it('scores speed, volume and head-to-head per miner', () => {
    const [task] = result.tasks;
    expect(task?.task).toBe(kind);
    const m = task?.miners ?? [];
    expect(m.map((x) => x.uid)).toEqual([1, 2, 3]);
    // Speed: 10 s expected; both faster than that (ratio capped at 1); uid 1 beats uid 2.
    expect(m.map((x) => x.speed)).toEqual([1, 0.7, 0]);
    // Volume: served over offered; uid 3 failed every query (server-error penalty).
    expect(m.map((x) => x.volume)).toEqual([1, 0.5, 0]);
    expect(m[0]?.headToHead).toBeGreaterThan(0.5);
    expect(m[1]?.headToHead).toBeLessThan(0.5);
    expect(m[2]?.headToHead).toBe(0.5);
  });

  it('writes one period row per miner with its components, and weights favour the honest miner', () => {
    expect(result.periodRows.map((r) => [r.period, r.uid, r.hotkey, r.components.check])).toEqual([
      [7, 1, 'h1', 1],
      [7, 2, 'h2', 0.25],
      [7, 3, 'h3', 0],
    ]);
    expect(result.periodRows[2]?.score).toBe(0);
    const weights = weightVector([1, 2, 3], result.tasks);
    expect(weights[2]).toBe(0);
    expect(weights[0]).toBeGreaterThan(weights[1] as number);
  });

  it('keeps the average of a miner answered but not checked this period', () => {
    const again = computePeriodScores({
      ...facts,
      summaries: [
        {
          ...(facts.summaries[0] as PeriodFacts['summaries'][number]),
          checked: 0,
          meanCheckScore: null,
        },
      ],
      comparisons: [],
    });
    expect(again.moving[0]).toMatchObject({ uid: 1, score: 0.5, samples: 3 });
  });

  // Regression: a miner that answered 400 to everything kept its old quality and about 5% of the
  // honest miner's weight with zero work.
  it('takes a period’s weight from a miner that refuses or fails its work, at once', () => {
    const refusing = computePeriodScores({
      ...facts,
      summaries: [
        facts.summaries[1] as PeriodFacts['summaries'][number],
        {
          uid: 1,
          taskKind: kind,
          total: 4,
          succeeded: 0,
          checked: 0,
          meanCheckScore: null,
          meanDurationMs: null,
        },
      ],
      comparisons: [],
    });
    // Its moving average only decays (0.9 x 0.5) ...
    expect(refusing.moving.find((m) => m.uid === 1)?.score).toBeCloseTo(0.45, 12);
    // ... but the period's quality, which the weights are made of, is scaled by reliability 0.
    const row = refusing.periodRows.find((r) => r.uid === 1);
    expect(row?.components).toMatchObject({ quality: 0, reliability: 0, check: 0, volume: 0 });
    expect(weightVector([1, 2], refusing.tasks)[0]).toBe(0);
  });

  it('scales quality by the share answered, and gives nothing for a kind no longer offered', () => {
    const half = computePeriodScores({
      ...facts,
      summaries: [
        {
          uid: 1,
          taskKind: kind,
          total: 4,
          succeeded: 2,
          checked: 2,
          meanCheckScore: 1,
          meanDurationMs: 1_000,
        },
      ],
      comparisons: [],
    });
    // Observed at 1 x 2/4; the period's quality is the new average times 2/4.
    const average = 0.1 * 0.5 + 0.9 * 0.5;
    expect(half.moving.find((m) => m.uid === 1)?.score).toBeCloseTo(average, 12);
    expect(half.periodRows.find((r) => r.uid === 1)?.components).toMatchObject({
      reliability: 0.5,
      check: 0.5,
    });
    expect(half.periodRows.find((r) => r.uid === 1)?.components.quality).toBeCloseTo(
      average / 2,
      12,
    );
    // Not asked this period but offering work: full reliability; offering nothing: none.
    const idle = computePeriodScores({ ...facts, summaries: [], comparisons: [] });
    expect(idle.periodRows.find((r) => r.uid === 1)?.components.reliability).toBe(1);
    const withdrawn = computePeriodScores({
      ...facts,
      summaries: [],
      comparisons: [],
      offered: new Map(),
    });
    expect(withdrawn.periodRows.find((r) => r.uid === 1)?.components).toMatchObject({
      quality: 0,
      reliability: 0,
    });
  });
});
