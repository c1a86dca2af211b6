export type {
  HeadToHeadConfig,
  HistoryConfig,
  ImageCheckConfig,
  LlmCheckConfig,
  ScoringConfig,
  SpeedVolumeConfig,
  WeightConfig,
} from './config.js';
export { DEFAULT_SCORING_CONFIG, parseScoringConfig, scoringConfigSchema } from './config.js';
export type { ScoringErrorCode } from './errors.js';
export { SCORING_ERROR_CODES, ScoringError } from './errors.js';
export type { BradleyTerryFit } from './headToHead/bradleyTerry.js';
export { fitBradleyTerry } from './headToHead/bradleyTerry.js';
export type { HeadToHeadAnswer, Preference } from './headToHead/preference.js';
export { comparePair, preferencesForTask } from './headToHead/preference.js';
export type { MovingAverages, PeriodObservation, UidAverage } from './history/movingAverage.js';
export { resetChangedHotkeys, updateMovingAverages } from './history/movingAverage.js';
export type { ScoredCheck } from './history/periodScore.js';
export { decayedHistory, periodScore } from './history/periodScore.js';
export { cosineSimilarity } from './image/cosineSimilarity.js';
export type { ImageHashes } from './image/hashDistance.js';
export { hashDistanceFeatures, hashHammingDistance } from './image/hashDistance.js';
export type { CheckResult, ImageCheckFacts, ImageCheckReason } from './image/imageCheck.js';
export { checkImage, combinedImageScore } from './image/imageCheck.js';
export type { ImageDetail, ImagePairFeatures } from './image/sameImageProbability.js';
export {
  REWARD_MODEL_FEATURES,
  rewardModelRow,
  sameImageProbability,
} from './image/sameImageProbability.js';
export type {
  LlmCheckFacts,
  LlmCheckReason,
  LlmCheckResult,
  RankedLogprob,
  TokenPosition,
} from './llm/llmCheck.js';
export { checkLlm, checkLlmFailure, distanceScore, rankLimit } from './llm/llmCheck.js';
export type { TimedWork } from './speed/speedScore.js';
export { speedRatio, speedScores } from './speed/speedScore.js';
export type { VolumeFacts } from './speed/volumeScore.js';
export { volumeScore } from './speed/volumeScore.js';
export type { TaskComponents, TaskScores } from './weights/weightVector.js';
export { headToHeadShares, taskScore, weightVector } from './weights/weightVector.js';
export { loadXgbModel } from './xgboost/loadModel.js';
export type { XgbModel, XgbObjective } from './xgboost/model.js';
export { SUPPORTED_OBJECTIVES } from './xgboost/model.js';
export type { DenseRows } from './xgboost/predict.js';
export { predict, predictMargin } from './xgboost/predict.js';
