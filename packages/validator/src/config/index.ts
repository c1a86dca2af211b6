export { configIssues, ENV_PREFIX, type LoadConfigInput, loadValidatorConfig } from './loadConfig';
export { loadStorageSettings, type StorageSettings } from './storageSettings';
export { type ValidatorConfig, validatorConfigSchema } from './validatorConfig';
