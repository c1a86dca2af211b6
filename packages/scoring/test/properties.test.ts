import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitBradleyTerry } from '../src/headToHead/bradleyTerry.js';
import type { Preference } from '../src/headToHead/preference.js';
import { updateMovingAverages } from '../src/history/movingAverage.js';
import { checkImage, combinedImageScore } from '../src/image/imageCheck.js';
import { checkLlm, distanceScore, type TokenPosition } from '../src/llm/llmCheck.js';
import { speedScores } from '../src/speed/speedScore.js';
import { volumeScore } from '../src/speed/volumeScore.js';
import { weightVector } from '../src/weights/weightVector.js';

const unit = fc.double({ min: 0, max: 1, noNaN: true });
const sim = fc.double({ min: -1, max: 1, noNaN: true });

describe('scores are finite, in range and monotone', () => {
  it('image score: in [0, 1], never lower with a higher probability or CLIP similarity', () => {
    fc.assert(
      fc.property(unit, unit, unit, unit, (p1, p2, s1, s2) => {
        const [pl, ph] = p1 <= p2 ? [p1, p2] : [p2, p1];
        const [sl, sh] = s1 <= s2 ? [s1, s2] : [s2, s1];
        const low = combinedImageScore(pl, sl);
        expect(low).toBeGreaterThanOrEqual(0);
        expect(combinedImageScore(ph, sh)).toBeLessThanOrEqual(1);
        expect(combinedImageScore(ph, sl)).toBeGreaterThanOrEqual(low);
        expect(combinedImageScore(pl, sh)).toBeGreaterThanOrEqual(low);
      }),
    );
  });

  it('image check: more agreement with the reference never lowers score + penalty', () => {
    fc.assert(
      fc.property(unit, sim, sim, (p, s1, s2) => {
        const [sl, sh] = s1 <= s2 ? [s1, s2] : [s2, s1];
        const facts = { sameProbability: p, minerNsfw: false, referenceNsfw: false };
        const low = checkImage({ ...facts, clipSimilarity: sl });
        const high = checkImage({ ...facts, clipSimilarity: sh });
        expect(Number.isFinite(low.score + low.penalty)).toBe(true);
        expect(high.score + high.penalty).toBeGreaterThanOrEqual(low.score + low.penalty);
      }),
    );
  });

  it('LLM check: a miner whose probabilities are closer to the validator never scores lower', () => {
    const position = fc.record({
      p: fc.double({ min: 0.01, max: 1, noNaN: true }),
      miner: fc.double({ min: 0.01, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(position, { minLength: 1, maxLength: 8 }), unit, (raw, closer) => {
        const build = (shrink: number): TokenPosition[] =>
          raw.map(({ p, miner }, i) => ({
            token: `t${i}`,
            minerLogprob: Math.log(p + (miner - p) * shrink),
            validatorTopK: [{ token: `t${i}`, logprob: Math.log(p), rank: 0 }],
          }));
        const facts = (positions: TokenPosition[]) => ({
          temperature: 0.7,
          maxTokens: 8,
          eosToken: '<eos>',
          positions,
          sampledPositions: positions.map((_, i) => i),
        });
        const far = checkLlm(facts(build(1)));
        const near = checkLlm(facts(build(closer)));
        expect(far.score).toBeGreaterThanOrEqual(0);
        expect(near.score).toBeLessThanOrEqual(1);
        expect(near.score).toBeGreaterThanOrEqual(far.score);
      }),
    );
    fc.assert(
      fc.property(unit, unit, (a, b) => {
        expect(distanceScore(Math.min(a, b))).toBeGreaterThanOrEqual(distanceScore(Math.max(a, b)));
      }),
    );
  });

  it('speed and weights: a faster miner with equal quality never scores lower', () => {
    const seconds = fc.double({ min: 0.05, max: 100, noNaN: true });
    fc.assert(
      fc.property(
        fc.array(seconds, { minLength: 2, maxLength: 12 }),
        unit,
        unit,
        (times, quality, volume) => {
          const work = times.map((s) => ({ seconds: s, units: 10, expectedSecondsPerUnit: 0.5 }));
          const speeds = speedScores(work);
          const uids = times.map((_, i) => i);
          const weights = weightVector(uids, [
            {
              task: 'llm',
              weight: 1,
              miners: uids.map((uid) => ({
                uid,
                quality,
                headToHead: 0.5,
                speed: speeds[uid] as number,
                volume,
              })),
            },
          ]);
          const total = weights.reduce((a, b) => a + b, 0);
          expect(weights.every((w) => Number.isFinite(w) && w >= 0)).toBe(true);
          expect(total === 0 || Math.abs(total - 1) < 1e-12).toBe(true);
          for (let i = 0; i < times.length; i++) {
            for (let j = 0; j < times.length; j++) {
              if ((times[i] as number) < (times[j] as number)) {
                expect(speeds[i]).toBeGreaterThanOrEqual(speeds[j] as number);
                expect(weights[i]).toBeGreaterThanOrEqual(weights[j] as number);
              }
            }
          }
        },
      ),
    );
  });

  it('volume score stays in [0, 1] and never falls with more units served', () => {
    const count = fc.integer({ min: 0, max: 1000 });
    fc.assert(
      fc.property(
        count,
        count,
        count,
        count,
        count,
        (declared, served, requests, limited, errors) => {
          const facts = {
            declaredCapacity: declared,
            servedUnits: served,
            requests,
            rateLimited: limited,
            serverErrors: errors,
          };
          const v = volumeScore(facts);
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
          expect(volumeScore({ ...facts, servedUnits: served + 10 })).toBeGreaterThanOrEqual(v);
        },
      ),
    );
  });

  it('Bradley-Terry: finite rewards, and one more win never lowers the winner reward', () => {
    const pref = fc.record({
      a: fc.integer({ min: 0, max: 7 }),
      b: fc.integer({ min: 0, max: 7 }),
      tie: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(pref, { maxLength: 60 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 7 }),
        (raw, w, l) => {
          fc.pre(w !== l);
          const uids = [0, 1, 2, 3, 4, 5, 6, 7];
          const prefs: Preference[] = raw
            .filter((p) => p.a !== p.b)
            .map((p) => ({ winner: p.a, loser: p.b, tie: p.tie }));
          const before = fitBradleyTerry(uids, prefs);
          const after = fitBradleyTerry(uids, [...prefs, { winner: w, loser: l, tie: false }]);
          expect(before.rewards.every(Number.isFinite)).toBe(true);
          expect(after.rewards[w]).toBeGreaterThanOrEqual((before.rewards[w] as number) - 1e-9);
          expect(after.rewards[l]).toBeLessThanOrEqual((before.rewards[l] as number) + 1e-9);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('moving average stays between 0 and the largest score seen', () => {
    fc.assert(
      fc.property(fc.array(unit, { minLength: 1, maxLength: 30 }), (scores) => {
        let state = new Map() as ReturnType<typeof updateMovingAverages>;
        for (const score of scores)
          state = updateMovingAverages(state, [{ uid: 3, hotkey: 'hk', score }]);
        const value = state.get(3)?.value as number;
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(Math.max(...scores) + 1e-12);
      }),
    );
  });
});
