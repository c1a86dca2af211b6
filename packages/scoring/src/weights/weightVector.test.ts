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
    // shares 2/3 and 1/3 squared: 4/9 and 1/9, normalised to 0.8 and 0.2
    expect(w[0]).toBeCloseTo(0.8, 15);
    expect(w[1]).toBeCloseTo(0.2, 15);
    expect(w[2]).toBe(0);
    expect(taskScore(miners[2] as (typeof miners)[number])).toBe(0);
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
