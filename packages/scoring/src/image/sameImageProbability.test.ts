import { describe, expect, it } from 'vitest';
import { loadXgbModel } from '../xgboost/loadModel.js';
import {
  type ImagePairFeatures,
  REWARD_MODEL_FEATURES,
  rewardModelRow,
  sameImageProbability,
} from './sameImageProbability.js';

/**
 * A hand-written logistic model over `names`: one stump on column `feature` (below `split`:
 * margin -2, else +2), base score 0.5 (margin 0).
 */
function stump(options: {
  names?: readonly string[];
  numFeature?: number;
  feature?: number;
  split?: number;
  objective?: string;
}) {
  const names = options.names ?? REWARD_MODEL_FEATURES;
  const numFeature = String(options.numFeature ?? names.length);
  return {
    version: [3, 2, 0],
    learner: {
      feature_names: [...names],
      feature_types: names.map(() => 'float'),
      learner_model_param: {
        base_score: '[5E-1]',
        num_class: '0',
        num_feature: numFeature,
        num_target: '1',
      },
      objective: { name: options.objective ?? 'binary:logistic' },
      gradient_booster: {
        name: 'gbtree',
        model: {
          gbtree_model_param: { num_trees: '1', num_parallel_tree: '1' },
          tree_info: [0],
          trees: [
            {
              left_children: [1, -1, -1],
              right_children: [2, -1, -1],
              split_indices: [options.feature ?? 4, 0, 0],
              split_conditions: [options.split ?? 0.5, -2, 2],
              default_left: [0, 0, 0],
              split_type: [0, 0, 0],
              categories_nodes: [],
              tree_param: { num_nodes: '3', num_feature: numFeature, size_leaf_vector: '1' },
            },
          ],
        },
      },
    },
  };
}

const hashes = { average: 'f0', perceptual: '0f', difference: 'ff', color: '000' };
const other = { average: 'f1', perceptual: '0c', difference: '00', color: '007' };

function pair(detailRatio: number): ImagePairFeatures {
  return { reference: hashes, candidate: other, detail: { detailRatio } };
}

describe('rewardModelRow', () => {
  it('lays out the four hash distances, then the detail ratio', () => {
    expect(REWARD_MODEL_FEATURES).toEqual(['ahash', 'phash', 'dhash', 'chash', 'detail_ratio']);
    expect(rewardModelRow(pair(0.875))).toEqual([1, 2, 8, 3, 0.875]);
    // The inference package's detailFeatures result fits as it is (its luma PSNR is ignored).
    expect(
      rewardModelRow({
        reference: hashes,
        candidate: hashes,
        detail: { lumaPsnr: 41.5, detailRatio: 0.25 } as { detailRatio: number },
      }),
    ).toEqual([0, 0, 0, 0, 0.25]);
  });

  it('refuses a detail ratio that is negative or not finite', () => {
    for (const ratio of [-0.1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => rewardModelRow(pair(ratio))).toThrow(
        expect.objectContaining({ code: 'SCORING_INPUT_INVALID' }),
      );
    }
  });
});

describe('sameImageProbability', () => {
  it('feeds the row to the model: a split on the detail ratio decides', () => {
    const model = loadXgbModel(stump({ feature: 4, split: 0.5 }));
    const low = 1 / (1 + Math.exp(2));
    const high = 1 / (1 + Math.exp(-2));
    expect(sameImageProbability(model, pair(0.3))).toBeCloseTo(low, 7);
    expect(sameImageProbability(model, pair(0.5))).toBeCloseTo(high, 7);
    // Column 2 is the difference-hash distance (8 in `pair`, 1 below): a split there at 7.5.
    const byDhash = loadXgbModel(stump({ feature: 2, split: 7.5 }));
    expect(sameImageProbability(byDhash, pair(1))).toBeCloseTo(high, 7);
    expect(
      sameImageProbability(byDhash, {
        reference: hashes,
        candidate: { ...other, difference: 'fe' },
        detail: { detailRatio: 1 },
      }),
    ).toBeCloseTo(low, 7);
  });

  it('refuses a hash-only, unnamed, other-column or non-logistic model with a clear error', () => {
    const refusals: [ReturnType<typeof stump>, RegExp][] = [
      [
        stump({ names: ['ahash', 'phash', 'dhash', 'chash'], feature: 0 }),
        /reward model features \(ahash, phash, dhash, chash\) are not ahash, phash, dhash, chash, detail_ratio; retrain it/,
      ],
      [stump({ names: [], numFeature: 5 }), /reward model features \(5 unnamed\) are not/],
      [
        stump({ names: ['ahash', 'phash', 'dhash', 'chash', 'luma_psnr'] }),
        /\(ahash, phash, dhash, chash, luma_psnr\) are not/,
      ],
      [
        stump({ names: ['ahash', 'phash', 'dhash', 'chash', 'detail_ratio', 'luma_psnr'] }),
        /\(ahash, phash, dhash, chash, detail_ratio, luma_psnr\) are not/,
      ],
      [
        stump({ objective: 'reg:squarederror' }),
        /must be a logistic model .* not reg:squarederror/,
      ],
    ];
    for (const [json, message] of refusals) {
      const model = loadXgbModel(json);
      expect(() => sameImageProbability(model, pair(1))).toThrow(message);
      expect(() => sameImageProbability(model, pair(1))).toThrow(
        expect.objectContaining({ code: 'SCORING_MODEL_UNSUPPORTED' }),
      );
    }
  });
});
