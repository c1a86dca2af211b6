export { epochIndex, firstBlockOfEpoch, firstRevealBlock } from './revealWindow';
export {
  type ScoredUids,
  taskScoresFromPeriod,
  weightsFromPeriod,
} from './scoresToWeights';
export {
  type RevealOutcome,
  type SkipReason,
  WeightSetter,
  type WeightSetterOptions,
  type WeightsOutcome,
} from './weightSetter';
