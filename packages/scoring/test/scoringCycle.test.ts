import { describe, expect, it } from 'vitest';
import { fitBradleyTerry } from '../src/headToHead/bradleyTerry.js';
import { preferencesForTask } from '../src/headToHead/preference.js';
import { type MovingAverages, updateMovingAverages } from '../src/history/movingAverage.js';
import { periodScore } from '../src/history/periodScore.js';
import { checkImage } from '../src/image/imageCheck.js';
import { speedScores } from '../src/speed/speedScore.js';
import { volumeScore } from '../src/speed/volumeScore.js';
import { headToHeadShares, weightVector } from '../src/weights/weightVector.js';

/**
 * One scoring period for five miners on one image task, composed the way the validator does:
 * checks -> period scores -> moving averages; head-to-head preferences -> Bradley-Terry; speed
 * and volume; then the weight vector.
 */
describe('a scoring period, end to end', () => {
  const uids = [0, 1, 2, 3, 4];
  const hotkeys = ['h0', 'h1', 'h2', 'h3', 'h4'];
  // 0: honest and fast, 1: honest and slow, 2: near-miss images, 3: claims NSFW to skip work,
  // 4: never answers.
  const answers = [
    { sameProbability: 0.99, clipSimilarity: 0.99, minerNsfw: false, seconds: 2 },
    { sameProbability: 0.99, clipSimilarity: 0.99, minerNsfw: false, seconds: 6 },
    { sameProbability: 0.2, clipSimilarity: 0.8, minerNsfw: false, seconds: 2 },
    { sameProbability: 0, clipSimilarity: 0, minerNsfw: true, seconds: 0.5 },
  ];

  it('ranks honest-fast over honest-slow over near-miss, and gives cheater and silent miner 0', () => {
    const checks = answers.map((a) => checkImage({ ...a, referenceNsfw: false }));
    let averages: MovingAverages = new Map();
    for (let period = 0; period < 3; period++) {
      averages = updateMovingAverages(
        averages,
        uids.map((uid) => ({
          uid,
          hotkey: hotkeys[uid] as string,
          score: uid < checks.length ? periodScore([checks[uid] as (typeof checks)[number]]) : 0,
        })),
      );
    }
    const quality = uids.map((uid) => averages.get(uid)?.value ?? 0);
    expect(quality[3]).toBeLessThan(0);
    expect(quality[4]).toBe(0);

    const prefs = preferencesForTask([
      ...answers.map((a, uid) => ({ uid, quality: checks[uid]?.score ?? 0, seconds: a.seconds })),
      { uid: 4, quality: 0, seconds: Number.POSITIVE_INFINITY },
    ]);
    const bt = fitBradleyTerry(uids, prefs);
    const shares = headToHeadShares(bt.rewards);
    const speed = speedScores(
      answers.map((a) => ({ seconds: a.seconds, units: 20, expectedSecondsPerUnit: 0.15 })),
    );
    const volume = uids.map((uid) =>
      volumeScore({
        declaredCapacity: 100,
        servedUnits: uid === 4 ? 0 : 80,
        requests: 10,
        rateLimited: 0,
        serverErrors: 0,
      }),
    );
    const weights = weightVector(uids, [
      {
        task: 'image',
        weight: 1,
        miners: uids.map((uid) => ({
          uid,
          quality: quality[uid] as number,
          headToHead: shares[uid] as number,
          speed: speed[uid] ?? 0,
          volume: volume[uid] as number,
        })),
      },
    ]);
    expect(weights[3]).toBe(0);
    expect(weights[4]).toBe(0);
    expect(weights[0]).toBeGreaterThan(weights[1] as number);
    expect(weights[1]).toBeGreaterThan(weights[2] as number);
    expect(weights[2]).toBeGreaterThan(0);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});
