import { ScoringError } from '../errors.js';
import type { XgbModel } from '../xgboost/model.js';
import { predict } from '../xgboost/predict.js';
import { hashDistanceFeatures, type ImageHashes } from './hashDistance.js';

/** The reward model's input columns, in order (the names it was trained with). */
export const REWARD_MODEL_FEATURES = ['ahash', 'phash', 'dhash', 'chash', 'detail_ratio'] as const;

/**
 * Full-resolution comparison of the candidate with the reference (the inference package's
 * `detailFeatures`): what the hashes' 8x8 and 32x32 thumbnails cannot see. The luma PSNR that
 * `detailFeatures` also gives is not a model input: how much an honest lossy round trip lowers
 * it depends on the picture (see scripts/reward-model/README.md).
 */
export interface ImageDetail {
  /**
   * The candidate's high-frequency (Laplacian) energy over the reference's: 1 for the same
   * detail, towards 0 for a blurred or small-then-upscaled copy, above 1 with added noise.
   */
  readonly detailRatio: number;
}

/** Everything the reward model reads about a (reference, candidate) pair of images. */
export interface ImagePairFeatures {
  readonly reference: ImageHashes;
  readonly candidate: ImageHashes;
  readonly detail: ImageDetail;
}

/**
 * The reward model's input row for a pair, in `REWARD_MODEL_FEATURES` order: the Hamming
 * distances of the average, perceptual, difference and color hashes, then the detail ratio.
 * Refuses a detail ratio that is not a finite number >= 0.
 */
export function rewardModelRow(features: ImagePairFeatures): number[] {
  const { detailRatio } = features.detail;
  if (!Number.isFinite(detailRatio) || detailRatio < 0) {
    throw new ScoringError('SCORING_INPUT_INVALID', `detail ratio ${detailRatio} is not >= 0`);
  }
  return [...hashDistanceFeatures(features.reference, features.candidate), detailRatio];
}

/**
 * The reward model's probability that two images come from the same task parameters. Refuses
 * (SCORING_MODEL_UNSUPPORTED) a model that is not a logistic model trained on exactly
 * `REWARD_MODEL_FEATURES` by name: a wrong file shipped as the reward model, or one trained on
 * other columns (such as the earlier hash-only model) that would read these values wrongly.
 */
export function sameImageProbability(model: XgbModel, features: ImagePairFeatures): number {
  const expected = REWARD_MODEL_FEATURES.join(', ');
  const probabilistic = model.objective === 'binary:logistic' || model.objective === 'reg:logistic';
  if (!probabilistic) {
    throw new ScoringError(
      'SCORING_MODEL_UNSUPPORTED',
      `reward model must be a logistic model (binary:logistic or reg:logistic), not ${model.objective}`,
    );
  }
  const names = model.featureNames.join(', ');
  if (model.numFeature !== REWARD_MODEL_FEATURES.length || names !== expected) {
    throw new ScoringError(
      'SCORING_MODEL_UNSUPPORTED',
      `reward model features (${names || `${model.numFeature} unnamed`}) are not ${expected}; retrain it with scripts/reward-model`,
    );
  }
  return predict(model, [rewardModelRow(features)])[0] as number;
}
