export { buildObservabilityApp } from './buildObservabilityApp';
export { collectStorageGauges } from './collectStorageGauges';
export { escapeHtml } from './escapeHtml';
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
export type { ChainView, StatusSource } from './statusSource';
export { ValidatorMetrics } from './validatorMetrics';
