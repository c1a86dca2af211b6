import { describe, expect, it } from 'vitest';
import { parseScoringConfig } from '../config.js';
import { taskScore, weightVector } from './weightVector.js';

const flat = parseScoringConfig({ weights: { sharpenExponent: 1 } }).weights;

describe('weightVector', () => {
  it('normalises within each task, scales by task weight, sums to 1', () => {
    const w = weightVector(
      [10, 11, 12],
      [
        {
          task: 'image',
          weight: 3,
          miners: [
            { uid: 10, quality: 1, headToHead: 1, speed: 1, volume: 1 },
            { uid: 11, quality: 1, headToHead: 1, speed: 1, volume: 1 },
          ],
        },
        {
          task: 'llm',
          weight: 1,
          miners: [{ uid: 12, quality: 0.5, headToHead: 0.5, speed: 0.5, volume: 0.5 }],
        },
      ],
      flat,
    );
    expect(Array.from(w)).toEqual([0.375, 0.375, 0.25]);
  });

  it('sharpens with the exponent and gives nothing to a penalised miner', () => {
    const miners = [
      { uid: 0, quality: 1, headToHead: 1, speed: 1, volume: 1 },
      { uid: 1, quality: 0.5, headToHead: 0.5, speed: 0.5, volume: 0.5 },
      { uid: 2, quality: -0.2, headToHead: 1, speed: 1, volume: 1 },
    ];
    const w = weightVector([0, 1, 2], [{ task: 'image', weight: 1, miners }]);
    // task scores 1 and 0.5 * (0.5 + 0.2 * 0.5 + 0.15 * 0.5 + 0.15 * 0.5) = 0.375; squared
    // 1 and 0.140625, normalised to 1 / 1.140625 and 0.140625 / 1.140625
    expect(w[0]).toBeCloseTo(1 / 1.140625, 15);
    expect(w[1]).toBeCloseTo(0.140625 / 1.140625, 15);
    expect(w[2]).toBe(0);
    expect(taskScore(miners[2] as (typeof miners)[number])).toBe(0);
  });

  it('pays speed, volume and head-to-head only in proportion to quality', () => {
    // A miner whose checks fail (quality 0.002) but who answers fast, fully and wins its
    // comparisons, against an honest newcomer whose average has only begun (quality 0.1).
    const cheat = { uid: 0, quality: 0.002, headToHead: 1, speed: 1, volume: 1 };
    const honest = { uid: 1, quality: 0.1, headToHead: 0.5, speed: 0.5, volume: 1 };
    expect(taskScore(cheat)).toBeCloseTo(0.002, 15);
    expect(taskScore(honest)).toBeCloseTo(0.1 * (0.5 + 0.1 + 0.075 + 0.15), 15);
    const w = weightVector([0, 1], [{ task: 'image', weight: 1, miners: [cheat, honest] }]);
    expect(w[1]).toBeGreaterThan(0.999);
  });

  it('is all zeros when nobody earned anything', () => {
    const w = weightVector(
      [0, 1],
      [
        {
          task: 'image',
          weight: 1,
          miners: [{ uid: 0, quality: 0, headToHead: 0, speed: 0, volume: 0 }],
        },
      ],
    );
    expect(Array.from(w)).toEqual([0, 0]);
  });
});
