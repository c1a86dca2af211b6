export { buildApiApp, DendriteGateway, type MinerGateway, startOrganicApi } from './api/index';
export {
  type ApiKeyInfo,
  type ApiKeyListing,
  ApiKeys,
  type Authorization,
  type CreatedKey,
} from './apiKeys/index';
export { loadValidatorConfig, type ValidatorConfig } from './config/index';
export {
  type PeriodContext,
  type PeriodScores,
  startMetagraphSync,
  startValidator,
  ValidatorDaemon,
  type WorkLoop,
} from './daemon/index';
export { ValidatorError, ValidatorErrorCode } from './errors';
export {
  addObservability,
  type Health,
  type ObservabilityOptions,
  readStatus,
  renderStatusPage,
  type StatusSource,
  ValidatorMetrics,
  type ValidatorStatus,
} from './status/index';
export {
  openStorage,
  type Repositories,
  resolveStorageConfig,
  SCHEMA_VERSION,
  type Storage,
  type StorageConfig,
} from './storage/index';
export { WeightSetter, type WeightsOutcome } from './weights/index';
