/**
 * The new image kinds (Uncrop, Flux-class, Kandinsky 2.2) through the validator's check, on two
 * seeded tasks per kind with the tiny test exports: what must hold whatever the reward model's
 * figures on these kinds. An identical re-run is accepted with exactly the model's probability
 * for an image compared with itself (the pipelines reproduce bit for bit); another seed and the
 * lazy uncrop fill are refused; a lossy answer to an uncrop loses the original and is refused
 * before the model; and the model rows recomputed by the script (for Uncrop with its own copy of
 * the kept-area blanking) give exactly the probability `checkImageAnswer` reported.
 */
import { describe, expect, it } from 'vitest';
import { identicalProbability, type NewKindsRun, readThreshold, runNewKinds } from './newKinds.js';

let run: NewKindsRun | undefined;
async function twoTasks(): Promise<NewKindsRun> {
  run ??= await runNewKinds({ tasks: 2, seed: 1 });
  return run;
}

describe('the reward model on the new image kinds (2 tasks per kind)', () => {
  it('accepts every identical re-run with the identical-image probability', async () => {
    const { results, identicalProbability: identical } = await twoTasks();
    const reruns = results.filter((r) => r.pair === 'rerun-identical');
    expect(reruns.map((r) => r.kind)).toEqual([
      'Uncrop',
      'Uncrop',
      'Flux',
      'Flux',
      'Kandinsky',
      'Kandinsky',
    ]);
    for (const r of [...reruns, ...results.filter((r) => r.pair === 'png-roundtrip')]) {
      expect(r.outcome.reason, `${r.kind} ${r.task} ${r.pair}`).toBe('reproduced');
      expect(r.outcome.score).toBe(1);
      expect(r.outcome.details.sameProbability).toBe(identical);
      expect(r.outcome.details.calibratedProbability).toBe(1);
      expect(r.outcome.details.detailRatio).toBe(1);
      expect(r.features?.row).toEqual([0, 0, 0, 0, 1]);
      expect(r.accepted).toBe(true);
    }
  }, 180_000);

  it('refuses every other-seed pair and every lazy uncrop fill', async () => {
    const { results, threshold } = await twoTasks();
    const refused = results.filter((r) => r.pair === 'other-seed' || r.pair === 'lazy-fill');
    expect(refused).toHaveLength(8);
    for (const r of refused) {
      expect(r.accepted, `${r.kind} ${r.task} ${r.pair}`).toBe(false);
      expect(r.modelAccepts).toBe(false);
      expect(r.outcome.reason).toBe('partial');
      expect(r.outcome.details.sameProbability).toBeLessThan(threshold);
    }
    // The lazy fill keeps the original exactly: it reaches the model, which sees no detail.
    for (const r of refused.filter((r) => r.pair === 'lazy-fill')) {
      expect(r.outcome.details.detailRatio).toBeLessThan(0.75);
    }
  }, 180_000);

  it('refuses a JPEG answer to an uncrop before the model: the original changed', async () => {
    const { results } = await twoTasks();
    const jpeg = results.filter((r) => r.kind === 'Uncrop' && r.pair === 'jpeg-q90');
    expect(jpeg.map((r) => [r.outcome.reason, r.outcome.score, r.features])).toEqual([
      ['original-changed', 0, undefined],
      ['original-changed', 0, undefined],
    ]);
  }, 180_000);

  it('recomputes the model row of every pair to the probability the check reported', async () => {
    const { results } = await twoTasks();
    const scored = results.filter((r) => r.outcome.details.sameProbability !== undefined);
    expect(scored).toHaveLength(results.length - 2);
    for (const r of scored) {
      expect(r.features?.probability, `${r.kind} ${r.task} ${r.pair}`).toBe(
        r.outcome.details.sameProbability,
      );
      expect(r.features?.row[4]).toBe(r.outcome.details.detailRatio);
    }
  }, 180_000);

  it('reads the threshold and identical probability of the shipped model', async () => {
    const { threshold, identicalProbability: identical } = await twoTasks();
    expect(threshold).toBe(readThreshold());
    expect(threshold).toBeGreaterThan(0);
    expect(identical).toBeGreaterThan(threshold);
    const { loadRewardModel } = await import('@subnet/validator/work');
    expect(identicalProbability(loadRewardModel())).toBe(identical);
  }, 180_000);
});
