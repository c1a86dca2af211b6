/**
 * Reads the validator's configuration from a YAML/JSON file, `SUBNET_VALIDATOR_*` environment
 * variables (double underscore nests: `SUBNET_VALIDATOR_API__PORT=8090`) and parsed flags;
 * validates it once and freezes it (the chain package's btcli-style loader). On failure the error
 * names each wrong value, what was received and where to set it.
 */
import { type ConfigSources, loadLayeredConfig } from '@subnet/chain/config';
import { ValidatorError, ValidatorErrorCode } from '../errors';
import { type ValidatorConfig, validatorConfigSchema } from './validatorConfig';

export const ENV_PREFIX = 'SUBNET_VALIDATOR_';

export type LoadConfigInput = ConfigSources;

/** The storage keys have flags of their own (shared with `validator keys`). */
function flagName(path: readonly string[]): string {
  const joined = path.join('.');
  if (joined === 'database_url') return '--database-url';
  if (joined === 'data_dir') return '--data-dir';
  return `--${joined}`;
}

export function loadValidatorConfig(input: LoadConfigInput): Readonly<ValidatorConfig> {
  return loadLayeredConfig(validatorConfigSchema, input, {
    envPrefix: ENV_PREFIX,
    what: 'validator',
    flagName,
    fail: (message, cause) =>
      new ValidatorError(ValidatorErrorCode.ConfigInvalid, message, { cause }),
  });
}
