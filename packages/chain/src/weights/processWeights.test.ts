import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { npSum, roundHalfEven } from './float32.js';
import {
  convertWeightsAndUidsForEmit,
  normalizeMaxWeight,
  processWeights,
  weightsForChain,
} from './processWeights.js';

interface Fixture {
  processWeights: Array<{
    weights: number[];
    uids: number[];
    numNeurons: number;
    minAllowedWeights: number;
    maxWeightLimitU16: number;
    excludeQuantile: number;
    processed: { uids: number[]; weights: number[]; dtype: string };
    emit: { uids: number[]; values: number[] };
  }>;
  convertForEmit: Array<{
    weights: number[];
    uids: number[];
    emit: { uids: number[]; values: number[] };
  }>;
  float32Sum: Array<{ values: number[]; sum: number }>;
  normalizeMaxWeight: Array<{ values: number[]; limit: number; out: number[] }>;
}

const fixture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/weights-sdk.json', import.meta.url), 'utf8'),
) as Fixture;

describe('weights as the Python SDK computes them', () => {
  it('reproduces the shared wire vector: [0.2, 0.3, 0.5] -> [26214, 39321, 65535]', () => {
    expect(convertWeightsAndUidsForEmit([0, 1, 2], [0.2, 0.3, 0.5])).toEqual({
      uids: [0, 1, 2],
      values: [26214, 39321, 65535],
    });
  });

  it('drops zeros and returns nothing when all weights are zero', () => {
    expect(convertWeightsAndUidsForEmit([0, 1, 2], [0, 1, 0])).toEqual({
      uids: [1],
      values: [65535],
    });
    expect(convertWeightsAndUidsForEmit([0, 1], [0, 0])).toEqual({ uids: [], values: [] });
  });

  it('rejects negative weights and uids, and mismatched lengths', () => {
    expect(() => convertWeightsAndUidsForEmit([0, 1], [0.5, -0.1])).toThrow(/negative/);
    expect(() => convertWeightsAndUidsForEmit([-1, 1], [0.5, 0.1])).toThrow(/negative/);
    expect(() => convertWeightsAndUidsForEmit([0], [0.5, 0.1])).toThrow(/same length/);
  });

  it('rounds half to even like Python round()', () => {
    expect([0.5, 1.5, 2.5, 3.5, 4.5, 2.4999, 2.5001, 65534.5].map(roundHalfEven)).toEqual([
      0, 2, 2, 4, 4, 2, 3, 65534,
    ]);
  });

  it('sums float32 arrays exactly as numpy (pairwise summation)', () => {
    for (const c of fixture.float32Sum) {
      expect(npSum(c.values, 'float32')).toBe(c.sum);
    }
  });

  it('matches normalize_max_weight on float32 arrays', () => {
    for (const c of fixture.normalizeMaxWeight) {
      expect(normalizeMaxWeight(c.values, c.limit, 'float32')).toEqual(c.out);
    }
  });

  it(`matches process_weights + convert_weights_and_uids_for_emit on ${fixture.processWeights.length} SDK cases`, () => {
    let emitted = 0;
    for (const c of fixture.processWeights) {
      const opts = {
        numNeurons: c.numNeurons,
        minAllowedWeights: c.minAllowedWeights,
        maxWeightLimit: c.maxWeightLimitU16 / 65535,
        excludeQuantile: c.excludeQuantile,
      };
      const processed = processWeights(c.uids, c.weights, opts);
      expect(processed).toEqual(c.processed);
      expect(weightsForChain(c.uids, c.weights, opts)).toEqual(c.emit);
      emitted += c.emit.values.length;
    }
    expect(emitted).toBeGreaterThan(1000);
  });

  it('matches the SDK conversion of plain float lists', () => {
    for (const c of fixture.convertForEmit) {
      expect(convertWeightsAndUidsForEmit(c.uids, c.weights)).toEqual(c.emit);
    }
  });
});
