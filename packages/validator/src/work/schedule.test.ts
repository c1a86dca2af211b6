import { describe, expect, it } from 'vitest';
import {
  candidates,
  dueQueries,
  type MinerCapacity,
  markSent,
  planPeriod,
  spareCapacity,
  takeQuery,
} from './schedule';

const miners: MinerCapacity[] = [
  { uid: 1, capacities: { TextToImage: { volume: 4 }, Chat: { volume: 2 } } },
  { uid: 2, capacities: { TextToImage: { volume: 2 } } },
  { uid: 3, capacities: { Chat: { volume: 0 } } },
];
const options = { startMs: 1_000, periodMs: 1_000 };

const brief = (qs: readonly { atMs: number; kind: string; uids: readonly number[] }[]) =>
  qs.map((q) => `${q.atMs} ${q.kind} ${q.uids.join('+')}`);

describe('planPeriod', () => {
  it('spreads each miner’s volume evenly over the period', () => {
    const plan = planPeriod(miners, options);
    expect(brief(plan.queries)).toEqual([
      '1125 TextToImage 1',
      '1250 Chat 1',
      '1250 TextToImage 2',
      '1375 TextToImage 1',
      '1625 TextToImage 1',
      '1750 Chat 1',
      '1750 TextToImage 2',
      '1875 TextToImage 1',
    ]);
    expect([...plan.budgets]).toEqual([
      ['1:TextToImage', 4],
      ['1:Chat', 2],
      ['2:TextToImage', 2],
    ]);
  });

  it('divides the volume by the cost of a query', () => {
    const plan = planPeriod(miners, { ...options, costs: { TextToImage: 2, Chat: 3 } });
    expect(brief(plan.queries)).toEqual([
      '1250 TextToImage 1',
      '1500 TextToImage 2',
      '1750 TextToImage 1',
    ]);
  });

  it('merges a share of the queries into head-to-head pairs without changing query counts', () => {
    const plan = planPeriod(miners, { ...options, headToHeadShare: 0.5 });
    expect(brief(plan.queries)).toEqual([
      '1125 TextToImage 1',
      '1250 Chat 1',
      '1250 TextToImage 2+1',
      '1625 TextToImage 1',
      '1750 Chat 1',
      '1750 TextToImage 2+1',
    ]);
    const sent = (uid: number) =>
      plan.queries.filter((q) => q.kind === 'TextToImage' && q.uids.includes(uid)).length;
    expect([sent(1), sent(2)]).toEqual([4, 2]);
  });

  it('pairs only miners asked for the same model: a pair shares one task, which names one', () => {
    const offered = (a: string, b: string, c: string): MinerCapacity[] => [
      { uid: 1, capacities: { TextToImage: { volume: 4, model: a } } },
      { uid: 2, capacities: { TextToImage: { volume: 2, model: b } } },
      { uid: 3, capacities: { TextToImage: { volume: 2, model: c } } },
    ];
    const pairs = (m: MinerCapacity[]) =>
      brief(planPeriod(m, { ...options, headToHeadShare: 1 }).queries).filter((q) =>
        q.includes('+'),
      );
    expect(pairs(offered('flux', 'sdxl', 'kandinsky'))).toEqual([]);
    expect(pairs(offered('flux', 'sdxl', 'flux'))).toEqual([
      '1125 TextToImage 1+3',
      '1375 TextToImage 1+3',
    ]);
  });

  it('refuses a bad period or share', () => {
    expect(() => planPeriod(miners, { ...options, periodMs: 0 })).toThrow(/periodMs/);
    expect(() => planPeriod(miners, { ...options, headToHeadShare: 2 })).toThrow(/headToHeadShare/);
  });
});

describe('organic work and fallbacks', () => {
  it('prefers the miner with the most spare capacity and cancels its next synthetic query', () => {
    const plan = planPeriod(miners, options);
    expect(candidates(plan, 'TextToImage')).toEqual([1, 2]);
    const first = takeQuery(plan, 'TextToImage', 1_300);
    expect(first?.uid).toBe(1);
    const p1 = first?.plan ?? plan;
    expect(spareCapacity(p1, 1, 'TextToImage')).toBe(3);
    expect(brief(p1.queries.filter((q) => q.kind === 'TextToImage'))).toEqual([
      '1125 TextToImage 1',
      '1250 TextToImage 2',
      '1625 TextToImage 1',
      '1750 TextToImage 2',
      '1875 TextToImage 1',
    ]);
    // 1 and 2 have 3 and 2 spare: 1 again, then a tie at 2 goes to the lower uid.
    const second = takeQuery(p1, 'TextToImage', 1_300);
    expect(second?.uid).toBe(1);
    const third = takeQuery(second?.plan ?? p1, 'TextToImage', 1_300);
    expect(third?.uid).toBe(1);
    expect(candidates(third?.plan ?? p1, 'TextToImage')).toEqual([2, 1]);
  });

  it('falls back to the next miner, and to none when all failed or are full', () => {
    const plan = planPeriod(miners, options);
    expect(takeQuery(plan, 'TextToImage', 1_000, [1])?.uid).toBe(2);
    expect(takeQuery(plan, 'TextToImage', 1_000, [1, 2])).toBeUndefined();
    expect(takeQuery(plan, 'Upscale', 1_000)).toBeUndefined();
    let p = plan;
    for (const q of dueQueries(plan, 1_000, 2_000).filter((q) => q.kind === 'Chat'))
      p = markSent(p, q);
    expect(spareCapacity(p, 1, 'Chat')).toBe(0);
    expect(takeQuery(p, 'Chat', 1_900)).toBeUndefined();
  });

  it('counts both miners of a sent pair and lists due queries by time', () => {
    const plan = planPeriod(miners, { ...options, headToHeadShare: 0.5 });
    expect(brief(dueQueries(plan, 1_200, 1_700))).toEqual([
      '1250 Chat 1',
      '1250 TextToImage 2+1',
      '1625 TextToImage 1',
    ]);
    const pair = plan.queries[2];
    if (!pair) throw new Error('no pair');
    const after = markSent(plan, pair);
    expect(after.queries).toHaveLength(5);
    expect([
      spareCapacity(after, 1, 'TextToImage'),
      spareCapacity(after, 2, 'TextToImage'),
    ]).toEqual([3, 1]);
    // Organic work for miner 1 drops it from its next pair, which goes on with miner 2 alone.
    const taken = takeQuery(after, 'TextToImage', 1_700);
    expect(taken?.uid).toBe(1);
    expect(brief(taken?.plan.queries ?? [])).toEqual([
      '1125 TextToImage 1',
      '1250 Chat 1',
      '1625 TextToImage 1',
      '1750 Chat 1',
      '1750 TextToImage 2',
    ]);
  });
});
