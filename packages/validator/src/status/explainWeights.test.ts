import { describe, expect, it } from 'vitest';
import type { MovingScore, PeriodScore, ScoreComponents } from '../storage/scoresRepo';
import { explainWeights } from './explainWeights';

const row = (
  uid: number,
  taskKind: string,
  score: number,
  components: ScoreComponents,
  period = 42,
): PeriodScore => ({
  period,
  uid,
  taskKind,
  hotkey: `hk${uid}`,
  score,
  components,
  createdMs: 0,
});

const avg = (uid: number, taskKind: string, score: number, samples: number): MovingScore => ({
  uid,
  taskKind,
  hotkey: `hk${uid}`,
  score,
  samples,
  updatedMs: 0,
});

describe('explainWeights', () => {
  it('says why two miners of the same hardware split 54/46: one has been seen for fewer periods', () => {
    // Both answer everything, check 0.95 each period, are equally fast and serve all they offer;
    // uid 2 joined later, so its moving average (its quality) is lower. By hand, default weights
    // (0.5 quality, 0.2 head-to-head, 0.15 speed, 0.15 volume, k = 2):
    //   uid 1: 0.9  × (0.5 + 0.2 × 0.5 + 0.15 × 1 + 0.15 × 1) = 0.9  × 0.9 = 0.81
    //   uid 2: 0.83 × 0.9 = 0.747; the kind's total 1.557
    //   parts 0.81 / 1.557 = 0.52023, 0.747 / 1.557 = 0.47977
    //   weights 0.81² / (0.81² + 0.747²) = 0.6561 / 1.214109 = 0.54040, and 0.45960
    // uid 0 (the validator itself) has no score: weight 0.
    const parts = { headToHead: 0.5, speed: 1, volume: 1, reliability: 1, check: 0.95 };
    const out = explainWeights({
      period: 42,
      rows: [
        row(1, 'TextToImage', 0.81, { quality: 0.9, ...parts }),
        row(2, 'TextToImage', 0.747, { quality: 0.83, ...parts }),
      ],
      uids: [0, 1, 2],
      moving: [avg(1, 'TextToImage', 0.9, 30), avg(2, 'TextToImage', 0.83, 20)],
    });
    expect(out.get(1)?.reason).toEqual([
      "weight 0.5404 from period 42 = part 0.5202^2 / the sum of every uid's part^2",
      "part 0.5202 = TextToImage (100% of emissions): 0.8100 of the kind's total 1.5570",
      'TextToImage 0.8100 = quality 0.9000 × (0.5 + 0.2 × head-to-head 0.5000 + 0.15 × speed 1.0000 + 0.15 × volume 1.0000)',
      'quality 0.9000 = moving average 0.9000 over 30 periods × answered 100%',
    ]);
    expect(out.get(2)?.reason).toEqual([
      "weight 0.4596 from period 42 = part 0.4798^2 / the sum of every uid's part^2",
      "part 0.4798 = TextToImage (100% of emissions): 0.7470 of the kind's total 1.5570",
      'TextToImage 0.7470 = quality 0.8300 × (0.5 + 0.2 × head-to-head 0.5000 + 0.15 × speed 1.0000 + 0.15 × volume 1.0000)',
      'quality 0.8300 = moving average 0.8300 over 20 periods × answered 100%',
    ]);
    expect(out.get(0)?.reason).toEqual(['weight 0.0000 from period 42: no score in that period']);
    expect(out.get(1)?.weight).toBeCloseTo(0.6561 / 1.214109, 12);
    expect(out.get(2)?.weight).toBeCloseTo(0.558009 / 1.214109, 12);
    expect(out.get(1)?.part).toBeCloseTo(0.81 / 1.557, 12);
    expect(out.get(1)?.kinds).toEqual([
      {
        taskKind: 'TextToImage',
        share: 1,
        score: expect.closeTo(0.81, 12),
        kindTotal: expect.closeTo(1.557, 12),
        quality: 0.9,
        headToHead: 0.5,
        speed: 1,
        volume: 1,
        reliability: 1,
        average: 0.9,
        periods: 30,
      },
    ]);
  });

  it('weighs kinds by their shares, with the configured parts, and says when quality earns nothing', () => {
    // Chat 1 : TextToImage 3 → 25% and 75%. Quality and speed weigh 1 each (total 2), k = 1.
    //   uid 1 Chat: 0.6 × (1 + 1 × 0.5) / 2 = 0.45;  TextToImage: 0.4 × (1 + 1 × 1) / 2 = 0.4
    //   uid 2 Chat: quality 0 → 0;                    TextToImage: 0.8 × (1 + 1 × 0) / 2 = 0.4
    //   totals Chat 0.45, TextToImage 0.8
    //   parts: uid 1 0.25 × 0.45 / 0.45 + 0.75 × 0.4 / 0.8 = 0.625; uid 2 0.75 × 0.4 / 0.8 = 0.375
    const out = explainWeights({
      period: 7,
      rows: [
        row(1, 'Chat', 0.45, { quality: 0.6, speed: 0.5, reliability: 0.75 }, 7),
        row(1, 'TextToImage', 0.4, { quality: 0.4, speed: 1 }, 7),
        row(2, 'Chat', 0, { quality: 0, speed: 0.9, reliability: 0 }, 7),
        row(2, 'TextToImage', 0.4, { quality: 0.8, speed: 0, reliability: 1 }, 7),
      ],
      uids: [1, 2],
      // uid 1's Chat average 0.8 × answered 0.75 is its quality; uid 2's moved on since.
      moving: [avg(1, 'Chat', 0.8, 4), avg(2, 'TextToImage', 0.9, 5)],
      weighting: {
        taskShares: { Chat: 1, TextToImage: 3 },
        config: {
          qualityWeight: 1,
          headToHeadWeight: 0,
          speedWeight: 1,
          volumeWeight: 0,
          sharpenExponent: 1,
        },
      },
    });
    expect(out.get(1)?.reason).toEqual([
      "weight 0.6250 from period 7 = part 0.6250^1 / the sum of every uid's part^1",
      "part 0.6250 = Chat (25% of emissions): 0.4500 of the kind's total 0.4500 + TextToImage (75% of emissions): 0.4000 of the kind's total 0.8000",
      'Chat 0.4500 = quality 0.6000 × (1 + 0 × head-to-head 0.0000 + 1 × speed 0.5000 + 0 × volume 0.0000) / 2',
      'quality 0.6000 = moving average 0.8000 over 4 periods × answered 75%',
      'TextToImage 0.4000 = quality 0.4000 × (1 + 0 × head-to-head 0.0000 + 1 × speed 1.0000 + 0 × volume 0.0000) / 2',
    ]);
    expect(out.get(2)?.reason).toEqual([
      "weight 0.3750 from period 7 = part 0.3750^1 / the sum of every uid's part^1",
      "part 0.3750 = Chat (25% of emissions): 0.0000 of the kind's total 0.4500 + TextToImage (75% of emissions): 0.4000 of the kind's total 0.8000",
      'Chat 0: quality 0.0000 is not positive, so the kind pays nothing',
      'TextToImage 0.4000 = quality 0.8000 × (1 + 0 × head-to-head 0.0000 + 1 × speed 0.0000 + 0 × volume 0.0000) / 2',
      'quality 0.8000: answered 100% of its queries in period 7; moving average now 0.9000 over 5 periods',
    ]);
    expect(out.get(1)?.weight).toBeCloseTo(0.625, 12);
    expect(out.get(2)?.weight).toBeCloseTo(0.375, 12);
  });

  it('says so when nobody earned anything', () => {
    const out = explainWeights({
      period: 3,
      rows: [row(1, 'Chat', 0, { quality: 0, reliability: 0 }, 3)],
      uids: [1],
      moving: [],
    });
    expect(out.get(1)).toMatchObject({
      weight: 0,
      part: 0,
      reason: ['weight 0.0000 from period 3: no uid earned anything in that period'],
    });
  });
});
