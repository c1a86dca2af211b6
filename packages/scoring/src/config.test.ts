import { describe, expect, it } from 'vitest';
import { DEFAULT_SCORING_CONFIG, parseScoringConfig } from './config.js';

describe('parseScoringConfig', () => {
  it('fills the reference constants and freezes the result', () => {
    expect(DEFAULT_SCORING_CONFIG.image).toMatchObject({
      rewardWeight: 0.4,
      clipWeight: 0.6,
      perfectAbove: 0.95,
      belowExponent: 2,
    });
    expect(Object.isFrozen(DEFAULT_SCORING_CONFIG.image)).toBe(true);
    const custom = parseScoringConfig({ llm: { distanceFull: 0.1 } });
    expect(custom.llm.distanceFull).toBe(0.1);
    expect(custom.llm.distanceHalf).toBe(0.25);
  });

  it('names every invalid field', () => {
    expect(() =>
      parseScoringConfig({ image: { rewardWeight: 2 }, weights: { sharpenExponent: -1 } }),
    ).toThrow(/image\.rewardWeight.*weights\.sharpenExponent/);
    expect(() => parseScoringConfig({ image: { rewardWeight: 2 } })).toThrow(
      expect.objectContaining({ code: 'SCORING_CONFIG_INVALID' }),
    );
  });
});
