/**
 * The shipped reward model on held-out scenes (every fifth scene is never trained on), end to end
 * as the validator runs it: image hashes and detail features from `@subnet/inference/image`, then
 * `sameImageProbability` at the threshold in the model's metadata. Resized and blurred cheats keep
 * their hashes (the distances below are small) but not their detail, and are refused. Scene 15
 * is black and white (color hash distance 0 for every pair).
 */
import { readFileSync } from 'node:fs';
import type { ImageHashes } from '@subnet/inference/image';
import { hashDistanceFeatures, loadXgbModel, sameImageProbability } from '@subnet/scoring';
import { describe, expect, it } from 'vitest';
import { scenePairs } from './buildDataset.js';

const modelsDir = new URL('../../packages/scoring/models/', import.meta.url);
const model = loadXgbModel(readFileSync(new URL('reward-model.json', modelsDir), 'utf8'));
const meta = JSON.parse(readFileSync(new URL('reward-model.meta.json', modelsDir), 'utf8')) as {
  threshold: number;
};

const scoring = (h: ImageHashes) => ({
  average: h.average_hash,
  perceptual: h.perceptual_hash,
  difference: h.difference_hash,
  color: h.color_hash,
});

describe('the shipped reward model on held-out scenes', () => {
  it('accepts the honest kinds and refuses the cheats, resized and blurred included', async () => {
    const verdicts: Record<string, string[]> = {};
    for (const scene of [0, 5, 15]) {
      for (const pair of await scenePairs(scene)) {
        const reference = scoring(pair.referenceHashes);
        const candidate = scoring(pair.candidateHashes);
        const p = sameImageProbability(model, { reference, candidate, detail: pair.detail });
        const hashes = hashDistanceFeatures(reference, candidate).join(' ');
        const verdict = p >= meta.threshold ? 'accept' : 'refuse';
        const line = `${verdict} hashes ${hashes} psnr ${pair.detail.lumaPsnr.toFixed(1)} detail ${pair.detail.detailRatio.toFixed(3)}`;
        verdicts[pair.kind] = [...(verdicts[pair.kind] ?? []), line];
      }
    }
    expect(verdicts).toMatchInlineSnapshot(`
      {
        "blurred": [
          "refuse hashes 0 0 0 1 psnr 31.3 detail 0.016",
          "refuse hashes 0 0 2 0 psnr 28.3 detail 0.011",
          "refuse hashes 0 0 0 0 psnr 35.3 detail 0.046",
        ],
        "cached-near-prompt": [
          "accept hashes 0 0 2 3 psnr 50.7 detail 1.018",
          "refuse hashes 18 14 14 7 psnr 15.6 detail 0.545",
          "refuse hashes 14 8 11 0 psnr 19.1 detail 0.369",
        ],
        "fewer-steps": [
          "refuse hashes 12 14 16 6 psnr 18.5 detail 0.035",
          "refuse hashes 21 20 18 3 psnr 14.6 detail 0.027",
          "refuse hashes 16 22 15 0 psnr 19.5 detail 0.055",
        ],
        "jpeg-roundtrip": [
          "accept hashes 0 0 0 0 psnr 45.8 detail 1.036",
          "accept hashes 0 0 0 0 psnr 47.8 detail 1.058",
          "accept hashes 0 0 0 0 psnr 46.1 detail 0.931",
        ],
        "other-precision": [
          "accept hashes 0 2 1 0 psnr 44.8 detail 1.256",
          "accept hashes 0 0 2 0 psnr 41.9 detail 1.190",
          "accept hashes 0 0 0 0 psnr 44.3 detail 1.505",
        ],
        "other-prompt": [
          "refuse hashes 33 32 39 11 psnr 12.7 detail 0.575",
          "refuse hashes 44 40 39 12 psnr 13.1 detail 0.143",
          "refuse hashes 39 40 39 0 psnr 12.4 detail 1.478",
        ],
        "other-provider": [
          "accept hashes 0 0 0 1 psnr 42.3 detail 1.103",
          "accept hashes 0 0 2 0 psnr 46.8 detail 1.087",
          "accept hashes 0 0 0 0 psnr 39.6 detail 1.035",
        ],
        "other-seed": [
          "refuse hashes 19 34 32 7 psnr 14.0 detail 0.362",
          "refuse hashes 35 38 32 2 psnr 11.3 detail 0.520",
          "refuse hashes 20 26 26 0 psnr 17.8 detail 0.792",
        ],
        "png-roundtrip": [
          "accept hashes 0 0 0 0 psnr 60.0 detail 1.000",
          "accept hashes 0 0 0 0 psnr 60.0 detail 1.000",
          "accept hashes 0 0 0 0 psnr 60.0 detail 1.000",
        ],
        "resized": [
          "refuse hashes 1 0 1 1 psnr 33.1 detail 0.031",
          "refuse hashes 0 2 2 0 psnr 28.6 detail 0.014",
          "refuse hashes 1 0 0 0 psnr 33.9 detail 0.042",
        ],
        "webp-roundtrip": [
          "accept hashes 0 0 1 0 psnr 48.2 detail 0.991",
          "accept hashes 0 0 1 0 psnr 48.1 detail 1.005",
          "accept hashes 0 0 0 0 psnr 50.2 detail 0.998",
        ],
      }
    `);
  });
});
