export {
  type ScoredUids,
  taskScoresFromPeriod,
  weightsFromPeriod,
} from './scoresToWeights';
export {
  type FollowUpOutcome,
  type SkipReason,
  WeightSetter,
  type WeightSetterOptions,
  type WeightsOutcome,
} from './weightSetter';
