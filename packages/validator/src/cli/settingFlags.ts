/**
 * Flag values as the configuration reads them: dotted flags nested (`--api.port` →
 * `api: { port }`), the storage flags under their settings' names, the log level from
 * `--logging.level|debug|trace`. Switches and flags that are not settings are left out.
 */
import type { ConfigTree } from '@subnet/chain/config';
import { type CliIo, logLevelFlag, nestFlags, type OptionValues, stringOption } from '@subnet/kit';
import { type LoadConfigInput, loadValidatorConfig } from '../config/loadConfig';
import type { ValidatorConfig } from '../config/validatorConfig';

const NOT_NESTED = [
  'config',
  'password-env',
  'json',
  'name',
  'rate-limit',
  'database-url',
  'data-dir',
  'logging.level',
  'logging.debug',
  'logging.trace',
];

export function settingFlags(values: OptionValues): ConfigTree {
  const tree = nestFlags(values, NOT_NESTED);
  const databaseUrl = stringOption(values, 'database-url');
  const dataDir = stringOption(values, 'data-dir');
  const level = logLevelFlag(values);
  return {
    ...tree,
    ...(databaseUrl === undefined ? {} : { database_url: databaseUrl }),
    ...(dataDir === undefined ? {} : { data_dir: dataDir }),
    ...(level === undefined ? {} : { logging: { level } }),
  };
}

/** What the configuration loaders take from a command's flags and io. */
export function configInput(values: OptionValues, io: CliIo): LoadConfigInput {
  const file = stringOption(values, 'config');
  return {
    flags: settingFlags(values),
    env: io.env,
    paths: io.paths,
    ...(file === undefined ? {} : { file }),
  };
}

/** The daemon's configuration from a command's flags, environment and `--config` file. */
export function daemonConfig(values: OptionValues, io: CliIo): Readonly<ValidatorConfig> {
  return loadValidatorConfig(configInput(values, io));
}
