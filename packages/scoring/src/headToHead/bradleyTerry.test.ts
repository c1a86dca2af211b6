import { describe, expect, it } from 'vitest';
import { DEFAULT_SCORING_CONFIG } from '../config.js';
import { seededRandom, spearman } from '../testing/seededRandom.js';
import { headToHeadShares, weightVector } from '../weights/weightVector.js';
import { fitBradleyTerry } from './bradleyTerry.js';
import type { Preference } from './preference.js';

/** Comparisons between random pairs, won with probability sigma(r_a - r_b). */
function simulate(trueRewards: number[], comparisons: number, seed: number): Preference[] {
  const random = seededRandom(seed);
  const n = trueRewards.length;
  const out: Preference[] = [];
  while (out.length < comparisons) {
    const a = Math.floor(random() * n);
    const b = Math.floor(random() * n);
    if (a === b) continue;
    const pA = 1 / (1 + Math.exp((trueRewards[b] as number) - (trueRewards[a] as number)));
    out.push(
      random() < pA ? { winner: a, loser: b, tie: false } : { winner: b, loser: a, tie: false },
    );
  }
  return out;
}

describe('fitBradleyTerry', () => {
  it('recovers the true order of 50 simulated miners from noisy comparisons (Spearman >= 0.95)', () => {
    const truth = Array.from({ length: 50 }, (_, i) => -3 + (6 * i) / 49);
    const uids = truth.map((_, i) => i);
    const fit = fitBradleyTerry(uids, simulate(truth, 6000, 42));
    const rho = spearman(fit.rewards, truth);
    expect(rho).toBeGreaterThanOrEqual(0.95);
    expect(fit.gradientNorm).toBeLessThan(1e-9);
  });

  it('converges for 256 miners and 8000 comparisons, rewards finite and centred by the prior', () => {
    const random = seededRandom(7);
    const truth = Array.from({ length: 256 }, () => random() * 4 - 2);
    const uids = truth.map((_, i) => i);
    const fit = fitBradleyTerry(uids, simulate(truth, 8000, 9));
    expect(fit.gradientNorm).toBeLessThan(1e-9);
    expect(fit.iterations).toBeLessThan(30);
    expect(fit.rewards.every(Number.isFinite)).toBe(true);
    // The gradient of the prior balances the likelihood's, whose components sum to 0.
    const sum = fit.rewards.reduce((a, b) => a + b, 0);
    expect(Math.abs(sum)).toBeLessThan(1e-6);
    expect(spearman(fit.rewards, truth)).toBeGreaterThan(0.9);
  });

  it('is deterministic, leaves an uncompared miner at 0 and treats ties symmetrically', () => {
    const prefs: Preference[] = [
      { winner: 1, loser: 2, tie: false },
      { winner: 1, loser: 2, tie: false },
      { winner: 2, loser: 3, tie: true },
    ];
    const a = fitBradleyTerry([1, 2, 3, 4], prefs);
    const b = fitBradleyTerry([1, 2, 3, 4], prefs);
    expect(Array.from(a.rewards)).toEqual(Array.from(b.rewards));
    expect(a.rewards[3]).toBe(0);
    expect(a.rewards[0]).toBeGreaterThan(0);
    expect(a.rewards[0]).toBeGreaterThan(a.rewards[1] as number);
    // Only ties: both stay exactly where the prior puts them.
    const tied = fitBradleyTerry([5, 6], [{ winner: 5, loser: 6, tie: true }]);
    expect(Array.from(tied.rewards)).toEqual([0, 0]);
  });

  it('two miners, 3 wins to 1, beta 1, prior 0.1: the optimum solves the first-order condition', () => {
    const prefs: Preference[] = [
      { winner: 0, loser: 1, tie: false },
      { winner: 0, loser: 1, tie: false },
      { winner: 0, loser: 1, tie: false },
      { winner: 1, loser: 0, tie: false },
    ];
    const { rewards } = fitBradleyTerry([0, 1], prefs);
    const r = rewards[0] as number;
    expect(rewards[1]).toBeCloseTo(-r, 12);
    // d/dr: 3 - 4 sigma(2r) - 0.1 r = 0
    expect(3 - 4 / (1 + Math.exp(-2 * r)) - 0.1 * r).toBeCloseTo(0, 9);
    expect(r).toBeCloseTo(0.51551, 5);
  });

  it('a miner who never answers loses every comparison and ends with the lowest weight', () => {
    const truth = Array.from({ length: 50 }, (_, i) => -1 + (2 * i) / 49);
    const silent = 50;
    const uids = [...truth.map((_, i) => i), silent];
    const prefs = simulate(truth, 3000, 5);
    // Whenever the silent miner was sent the same task as another miner, the one who answered wins.
    for (let i = 0; i < 50; i += 2) prefs.push({ winner: i, loser: silent, tie: false });
    const fit = fitBradleyTerry(uids, prefs);
    const silentReward = fit.rewards[50] as number;
    expect(Math.min(...fit.rewards)).toBe(silentReward);

    const shares = headToHeadShares(fit.rewards);
    const weights = weightVector(
      uids,
      [
        {
          task: 'image',
          weight: 1,
          miners: uids.map((uid, i) => ({
            uid,
            quality: uid === silent ? 0 : 0.9,
            headToHead: shares[i] as number,
            speed: uid === silent ? 0 : 0.5,
            volume: uid === silent ? 0 : 0.8,
          })),
        },
      ],
      DEFAULT_SCORING_CONFIG.weights,
    );
    expect(weights[50]).toBe(0);
    expect(Math.min(...weights)).toBe(0);
    expect(weights.filter((w) => w === 0).length).toBe(1);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('refuses a preference naming an unknown uid', () => {
    expect(() => fitBradleyTerry([1], [{ winner: 1, loser: 9, tie: false }])).toThrow(
      expect.objectContaining({ code: 'SCORING_INPUT_INVALID' }),
    );
  });
});
