import { describe, expect, it } from 'vitest';
import {
  checkLlm,
  checkLlmFailure,
  distanceScore,
  type LlmCheckFacts,
  rankLimit,
  type TokenPosition,
} from './llmCheck.js';

const EOS = '<eos>';

/** A position where the validator's top-k ranks `token` at `rank` with probability `p`. */
function pos(
  token: string,
  p: number,
  rank = 0,
  minerP = p,
  extra: [string, number][] = [],
): TokenPosition {
  const others = extra.map(([t, q], i) => ({
    token: t,
    logprob: Math.log(q),
    rank: rank === 0 ? i + 1 : i,
  }));
  return {
    token,
    minerLogprob: Math.log(minerP),
    validatorTopK: [{ token, logprob: Math.log(p), rank }, ...others],
  };
}

function facts(positions: TokenPosition[], over: Partial<LlmCheckFacts> = {}): LlmCheckFacts {
  return {
    temperature: 0,
    maxTokens: 3,
    eosToken: EOS,
    positions,
    sampledPositions: positions.map((_, i) => i),
    ...over,
  };
}

describe('rankLimit and distanceScore', () => {
  it('scales the rank limit with temperature', () => {
    expect(rankLimit(0)).toBe(10);
    expect(rankLimit(0.5)).toBe(10);
    expect(rankLimit(0.53)).toBe(20);
    expect(rankLimit(1)).toBe(333);
  });

  it('maps mean distance to 1, a linear ramp to 0.5, then 0', () => {
    expect(distanceScore(0)).toBe(1);
    expect(distanceScore(0.125)).toBe(1);
    expect(distanceScore(0.1875)).toBeCloseTo(0.75, 15);
    expect(distanceScore(0.25)).toBeCloseTo(0.5, 15);
    expect(distanceScore(0.2501)).toBe(0);
  });
});

describe('checkLlm', () => {
  it('scores 1 when the miner reports the validator probabilities', () => {
    const result = checkLlm(facts([pos('a', 0.9), pos('b', 0.8), pos('c', 0.7)]));
    expect(result).toEqual({
      score: 1,
      penalty: 0,
      reason: 'agrees',
      meanDistance: 0,
      badTokens: 0,
    });
  });

  it('maps the mean probability distance at the sampled positions', () => {
    const result = checkLlm(
      facts([pos('a', 0.9, 0, 0.6), pos('b', 0.8)], { sampledPositions: [0, 1] }),
    );
    expect(result.meanDistance).toBeCloseTo(0.15, 12);
    expect(result.score).toBeCloseTo(1 - (0.5 * 0.025) / 0.125, 12);
  });

  it('fails a token outside the top-k, too many tokens and too many bad ranks', () => {
    const outside: TokenPosition = {
      token: 'x',
      minerLogprob: -1,
      validatorTopK: [{ token: 'y', logprob: -0.1, rank: 0 }],
    };
    expect(checkLlm(facts([outside])).reason).toBe('token-not-in-top-k');
    expect(
      checkLlm(facts([pos('a', 0.9), pos('b', 0.9), pos('c', 0.9), pos('d', 0.9)])).reason,
    ).toBe('too-many-tokens');
    const bad = Array.from({ length: 6 }, () => pos('a', 0.01, 12));
    expect(checkLlm(facts(bad, { maxTokens: 6 }))).toMatchObject({
      score: 0,
      reason: 'too-many-bad-tokens',
      badTokens: 6,
    });
    const five = [...Array.from({ length: 5 }, () => pos('a', 0.01, 12, 0.01)), pos('b', 0.9)];
    expect(checkLlm(facts(five, { maxTokens: 6, sampledPositions: [5] }))).toMatchObject({
      score: 1,
      badTokens: 5,
    });
  });

  it('fails continuing where end-of-sequence was over 100 times likelier', () => {
    const skipping = pos('a', 0.009, 1, 0.009, [[EOS, 0.95]]);
    expect(checkLlm(facts([skipping]))).toMatchObject({ score: 0, reason: 'skipped-eos' });
    const fine = pos('a', 0.5, 0, 0.5, [[EOS, 0.4]]);
    expect(checkLlm(facts([fine])).score).toBe(1);
  });

  it('fails stopping early where end-of-sequence was unlikely, accepts a likely stop', () => {
    const early = pos(EOS, 0.05, 1, 0.05, [['more', 0.9]]);
    expect(checkLlm(facts([pos('a', 0.9), early]))).toMatchObject({
      score: 0,
      reason: 'early-eos',
    });
    const likely = pos(EOS, 0.6, 0, 0.6, [['more', 0.3]]);
    expect(checkLlm(facts([pos('a', 0.9), likely])).score).toBe(1);
  });

  it('fails an answer that goes on after its end-of-sequence token', () => {
    expect(checkLlm(facts([pos(EOS, 0.9), pos('a', 0.9)])).reason).toBe('eos-inside');
  });

  it('penalises a failure status that differs from the validator own', () => {
    expect(checkLlmFailure(500, 500)).toMatchObject({ score: 1, penalty: 0 });
    expect(checkLlmFailure(500, 200)).toMatchObject({
      score: 0,
      penalty: -3,
      reason: 'status-mismatch',
    });
  });
});
