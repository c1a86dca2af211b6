import { describe, expect, it } from 'vitest';
import { parseScoringConfig } from '../config.js';
import { cosineSimilarity } from './cosineSimilarity.js';
import { hashDistanceFeatures, hashHammingDistance } from './hashDistance.js';
import { checkImage, combinedImageScore } from './imageCheck.js';

const base = { minerNsfw: false, referenceNsfw: false } as const;

describe('combinedImageScore', () => {
  it('follows 0.4 sqrt(p) + 0.6 s^2, squared below 0.95, 1 above', () => {
    expect(combinedImageScore(0.25, 0.5)).toBeCloseTo((0.4 * 0.5 + 0.6 * 0.25) ** 2, 15);
    expect(combinedImageScore(1, 0.96)).toBe(1); // 0.4 + 0.6 * 0.9216 = 0.953
    expect(combinedImageScore(1, 0.95)).toBeCloseTo((0.4 + 0.6 * 0.9025) ** 2, 15); // 0.9415
    expect(combinedImageScore(0, 0)).toBe(0);
    expect(combinedImageScore(0.5, -0.3)).toBeCloseTo((0.4 * Math.SQRT1_2) ** 2, 15);
  });

  it('takes its constants from the configuration', () => {
    const config = parseScoringConfig({
      image: { rewardWeight: 1, clipWeight: 0, belowExponent: 1 },
    });
    expect(combinedImageScore(0.64, 0.1, config.image)).toBeCloseTo(0.8, 15);
  });
});

describe('checkImage', () => {
  it('scores a faithful reproduction 1 without penalty', () => {
    expect(checkImage({ ...base, sameProbability: 0.99, clipSimilarity: 0.99 })).toEqual({
      score: 1,
      penalty: 0,
      reason: 'reproduced',
    });
  });

  it('penalises a false NSFW flag and a misreported CLIP embedding', () => {
    expect(
      checkImage({ sameProbability: 1, clipSimilarity: 1, minerNsfw: true, referenceNsfw: false }),
    ).toEqual({ score: 0, penalty: -3, reason: 'false-nsfw' });
    expect(
      checkImage({ ...base, sameProbability: 1, clipSimilarity: 1, claimedClipConsistency: 0.9 }),
    ).toEqual({ score: 0, penalty: -3, reason: 'misreported-clip' });
    // Both flagged NSFW: the images are still compared, so a flag does not stand in for them.
    expect(
      checkImage({ sameProbability: 0, clipSimilarity: 0, minerNsfw: true, referenceNsfw: true }),
    ).toEqual({ score: 0, penalty: 0, reason: 'both-nsfw' });
    expect(
      checkImage({ sameProbability: 1, clipSimilarity: 1, minerNsfw: true, referenceNsfw: true }),
    ).toEqual({ score: 1, penalty: 0, reason: 'both-nsfw' });
  });

  it('adds the blatant-mismatch penalty below CLIP similarity 0.6', () => {
    const result = checkImage({ ...base, sameProbability: 0, clipSimilarity: 0.5 });
    expect(result.reason).toBe('blatant-mismatch');
    expect(result.penalty).toBe(-1);
    expect(result.score).toBeCloseTo((0.6 * 0.25) ** 2, 15);
  });
});

describe('hash distances and cosine similarity', () => {
  it('counts differing bits of hex hashes', () => {
    expect(hashHammingDistance('ffff0000ffff0000', 'ffff0000ffff0000')).toBe(0);
    expect(hashHammingDistance('ffff0000ffff0000', '0000ffff0000ffff')).toBe(64);
    expect(hashHammingDistance('8000000000000001', '0000000000000000')).toBe(2);
    expect(
      hashDistanceFeatures(
        { average: 'f0', perceptual: '0f', difference: 'ff', color: '000' },
        { average: 'f1', perceptual: '0c', difference: '00', color: '007' },
      ),
    ).toEqual([1, 2, 8, 3]);
  });

  it('refuses hashes of different lengths or non-hex text', () => {
    expect(() => hashHammingDistance('ff', 'fff')).toThrow(/differ in length/);
    expect(() => hashHammingDistance('zz', 'ff')).toThrow(/not hexadecimal/);
  });

  it('computes the cosine of two embeddings', () => {
    expect(cosineSimilarity([1, 0], [0, 1])).toBe(0);
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 15);
    expect(cosineSimilarity([3, 4], [4, 3])).toBeCloseTo(24 / 25, 15);
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
    expect(() => cosineSimilarity([1], [1, 2])).toThrow(/differ in length/);
  });
});
