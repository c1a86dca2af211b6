export { ENV_PREFIX, type LoadConfigInput, loadValidatorConfig } from './loadConfig';
export { type ValidatorConfig, validatorConfigSchema } from './validatorConfig';
