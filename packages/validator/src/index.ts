export {
  type ApiKeyInfo,
  type ApiKeyListing,
  ApiKeys,
  type Authorization,
  type CreatedKey,
} from './apiKeys/index';
export { ValidatorError, ValidatorErrorCode } from './errors';
export {
  openStorage,
  type Repositories,
  resolveStorageConfig,
  SCHEMA_VERSION,
  type Storage,
  type StorageConfig,
} from './storage/index';
