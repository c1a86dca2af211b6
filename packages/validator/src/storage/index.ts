export {
  type ApiKeyRecord,
  ApiKeysRepo,
  type NewApiKeyRecord,
  type TokenTake,
  type UsageDelta,
  type UsageTotals,
} from './apiKeysRepo';
export { type CapacityAnswer, CapacityRepo } from './capacityRepo';
export { type Comparison, ComparisonsRepo, type StoredComparison } from './comparisonsRepo';
export { type MigrateOptions, type MigrationReport, migrate, readSchemaVersion } from './migrate';
export { MIGRATIONS, type Migration, SCHEMA_VERSION } from './migrations';
export {
  type MetagraphSyncReport,
  type Miner,
  type MinerChange,
  type MinerSync,
  MinersRepo,
} from './minersRepo';
export {
  type OpenStorageOptions,
  openClient,
  openStorage,
  type Repositories,
  type Storage,
} from './openStorage';
export { redactUrl } from './postgresClient';
export {
  type MovingScore,
  type PeriodScore,
  parseScoreComponents,
  type RecentScore,
  SCORE_PARTS,
  type ScoreComponents,
  ScoresRepo,
} from './scoresRepo';
export type { SqlClient, SqlExecutor, SqlTransaction, StorageEngine } from './sqlClient';
export { StateRepo } from './stateRepo';
export {
  DEFAULT_DATA_DIR,
  resolveStorageConfig,
  type StorageConfig,
  type StorageOptionsInput,
  storageConfigSchema,
} from './storageConfig';
export {
  type NewTaskResult,
  type ResultSummary,
  type ResultTiming,
  type TaskResult,
  TaskResultsRepo,
} from './taskResultsRepo';
export {
  type CommitRecord,
  type SetRecord,
  type WeightMode,
  type WeightSetting,
  type WeightStatus,
  WeightsRepo,
  type WeightVector,
} from './weightsRepo';
