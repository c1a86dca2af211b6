import { ScoringError } from '../errors.js';
import type { XgbModel } from '../xgboost/model.js';
import { predict } from '../xgboost/predict.js';
import { hashDistanceFeatures, type ImageHashes } from './hashDistance.js';

/** The reward model's input columns, in order. */
export const REWARD_MODEL_FEATURES = ['ahash', 'phash', 'dhash', 'chash'] as const;

/**
 * The reward model's probability that two images come from the same task parameters, from their
 * four image hashes. Refuses a model that does not take the four hash distances as a
 * probability (a wrong file shipped as the reward model).
 */
export function sameImageProbability(model: XgbModel, a: ImageHashes, b: ImageHashes): number {
  const named =
    model.featureNames.length === 0 || model.featureNames.join() === REWARD_MODEL_FEATURES.join();
  const probabilistic = model.objective === 'binary:logistic' || model.objective === 'reg:logistic';
  if (model.numFeature !== REWARD_MODEL_FEATURES.length || !named || !probabilistic) {
    throw new ScoringError(
      'SCORING_MODEL_UNSUPPORTED',
      `reward model must be a logistic model over ${REWARD_MODEL_FEATURES.join(', ')}`,
    );
  }
  return predict(model, [hashDistanceFeatures(a, b)])[0] as number;
}
