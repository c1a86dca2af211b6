import { describe, expect, it } from 'vitest';
import { speedRatio, speedScores } from './speedScore.js';
import { volumeScore } from './volumeScore.js';

describe('speed', () => {
  it('is expected over actual time per unit, capped at 1', () => {
    expect(speedRatio({ seconds: 4, units: 20, expectedSecondsPerUnit: 0.1 })).toBe(0.5);
    expect(speedRatio({ seconds: 1, units: 20, expectedSecondsPerUnit: 0.1 })).toBe(1);
  });

  it('blends the ratio with the percentile rank among the task miners', () => {
    const scores = speedScores([
      { seconds: 4, units: 20, expectedSecondsPerUnit: 0.1 }, // ratio 0.5, beats 1 of 2
      { seconds: 2, units: 20, expectedSecondsPerUnit: 0.1 }, // ratio 1, beats 2 of 2
      { seconds: 8, units: 20, expectedSecondsPerUnit: 0.1 }, // ratio 0.25, beats none
    ]);
    expect(scores[0]).toBeCloseTo(0.7 * 0.5 + 0.3 * 0.5, 15);
    expect(scores[1]).toBeCloseTo(1, 15);
    expect(scores[2]).toBeCloseTo(0.7 * 0.25, 15);
  });

  it('refuses non-positive times', () => {
    expect(() => speedRatio({ seconds: 0, units: 1, expectedSecondsPerUnit: 1 })).toThrow(
      /positive/,
    );
  });
});

describe('volume', () => {
  it('is served over declared capacity minus 429 and 5xx penalties', () => {
    const facts = {
      declaredCapacity: 1000,
      servedUnits: 800,
      requests: 100,
      rateLimited: 0,
      serverErrors: 0,
    };
    expect(volumeScore(facts)).toBe(0.8);
    expect(volumeScore({ ...facts, rateLimited: 10 })).toBeCloseTo(0.7, 15);
    expect(volumeScore({ ...facts, serverErrors: 10 })).toBeCloseTo(0.6, 15);
    expect(volumeScore({ ...facts, serverErrors: 60 })).toBe(0);
    expect(volumeScore({ ...facts, servedUnits: 5000 })).toBe(1);
    expect(volumeScore({ ...facts, declaredCapacity: 0 })).toBe(0);
  });
});
