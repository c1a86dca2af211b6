// @subnet/validator/work: the validator's work loop: synthetic tasks, scheduling by capacity,
// querying miners, checking answers by reproduction, and period scores.

export {
  checkImageAnswer,
  REPRODUCIBLE_IMAGE_KINDS,
  reproduceImage,
  scoringHashes,
} from './checkImageAnswer';
export { checkLlmAnswer } from './checkLlmAnswer';
export {
  CHECKABLE_KINDS,
  checkResult,
  checkValue,
  type HeadToHeadEntry,
  headToHead,
  loadRewardModel,
  rewardModelPath,
  storeOutcome,
} from './checkResult';
export type {
  CheckModels,
  CheckOutcome,
} from './checkTypes';
export { WorkError, WorkErrorCode } from './errors';
export { type OpenedCheckModels, openCheckModels, profileOf } from './openCheckModels';
export { findOutages, type Outage, type OutageOptions } from './outages';
export {
  computePeriodScores,
  foldPeriodScores,
  type PeriodFacts,
  type PeriodScoresResult,
} from './periodScores';
export {
  createWorkLoop,
  PERIOD_START_KEY,
  type PeriodReport,
  PeriodWorkLoop,
  SEED_INDEX_KEY,
  servingTargets,
  type WorkLoopOptions,
} from './periodWorkLoop';
export {
  type BoundedCapacity,
  boundCapacities,
  type Capacities,
  type CapacityReply,
  fitToBudget,
  queryCapacity,
} from './queryCapacity';
export {
  type Fault,
  faultOf,
  type MinerTarget,
  type QueryOptions,
  type QueryOutcome,
  type QueryTask,
  queryMiner,
  queryMiners,
} from './queryMiner';
export {
  runPlannedQuery,
  type Step,
  type StepContext,
  type StepResult,
  type WorkDeps,
} from './runPlannedQuery';
export {
  candidates,
  dueQueries,
  type MinerCapacity,
  markSent,
  type PeriodPlan,
  type PlannedQuery,
  type PlanOptions,
  planPeriod,
  spareCapacity,
  takeQuery,
} from './schedule';
export { Slots, SlotsAborted } from './slots';
export { drawMask, drawScene, drawScribble } from './syntheticImages';
export {
  chatMessages,
  completionPrompt,
  DEFAULT_SYNTHETIC_PROFILE,
  imagePrompt,
  type SyntheticProfile,
  type SyntheticTask,
  type SyntheticTaskRequest,
  syntheticTask,
  syntheticTaskId,
} from './syntheticTasks';
export {
  isOwnSeed,
  SEED_UID_SLOTS,
  SEEDS_PER_VALIDATOR,
  seedOwner,
  taskSeed,
  taskSeedAt,
} from './taskSeeds';
export type { WorkMetrics } from './workMetrics';
export {
  DEFAULT_KIND_SETTINGS,
  DEFAULT_WORK_SETTINGS,
  type KindSettings,
  perKind,
  type WorkSettings,
  workSettings,
  workSettingsFromConfig,
} from './workSettings';
