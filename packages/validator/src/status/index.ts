export { buildObservabilityApp } from './buildObservabilityApp';
export { collectStorageGauges } from './collectStorageGauges';
export {
  type ChainAgreement,
  type ChainWeightsStatus,
  compareChainWeights,
} from './compareChainWeights';
export { escapeHtml } from './escapeHtml';
export { explainWeights, type KindPart, type WeightExplanation } from './explainWeights';
export { type NeuronRole, ROLE_LABELS } from './neuronRoles';
export { addObservability, type ObservabilityOptions } from './observabilityRoutes';
export {
  DEFAULT_METAGRAPH_STALE_MS,
  type Health,
  type HealthPart,
  type ReadHealthOptions,
  readHealth,
} from './readHealth';
export {
  type MinerStatus,
  type NotMinerStatus,
  type ReadStatusOptions,
  type ResultOutcome,
  type ResultStatus,
  readStatus,
  type ValidatorStatus,
  type WeightsState,
  type WeightsStatus,
} from './readStatus';
export { type RenderOptions, renderStatusPage } from './renderStatusPage';
export { observabilityOf, startObservabilityServer } from './startObservabilityServer';
export type { ChainView, NeuronView, StatusSource, Weighting } from './statusSource';
export { ValidatorMetrics } from './validatorMetrics';
