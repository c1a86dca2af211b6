/**
 * The flags every daemon and command shares, declared once, named as btcli names them so an
 * operator's muscle memory and scripts carry over.
 */

import { UsageError } from '../errors.js';
import type { Logger, LogLevel } from '../logger.js';
import { createLogger, isLogLevel } from '../logger.js';
import type { OptionTable, OptionValues } from './options.js';
import { stringOption } from './options.js';

export const NETUID_FLAG: OptionTable = {
  netuid: { type: 'string', value: 'N', description: 'the subnet id' },
};

export const SUBTENSOR_FLAGS: OptionTable = {
  'subtensor.network': {
    type: 'string',
    value: 'NAME|URL',
    description: 'the chain: finney, test, local or ws(s)://host:port',
    default: 'local',
    aliases: ['subtensor.chain_endpoint', 'network'],
  },
};

export const WALLET_FLAGS: OptionTable = {
  'wallet.name': {
    type: 'string',
    value: 'NAME',
    description: 'the wallet (coldkey) name',
    default: 'default',
  },
  'wallet.hotkey': {
    type: 'string',
    value: 'NAME',
    description: 'the hotkey name',
    default: 'default',
  },
  'wallet.path': {
    type: 'string',
    value: 'DIR',
    description: 'the wallets folder (relative paths are taken from where you run the command)',
    default: '~/.bittensor/wallets',
  },
};

/** The logging flags, with the level a command uses when none is asked for. */
export function loggingFlags(defaultLevel: LogLevel): OptionTable {
  return {
    'logging.level': {
      type: 'string',
      value: 'LEVEL',
      description: 'trace, debug, info, warn or error',
      default: defaultLevel,
    },
    'logging.debug': { type: 'boolean', description: 'same as --logging.level debug' },
    'logging.trace': { type: 'boolean', description: 'same as --logging.level trace' },
  };
}

/** The logging flags of the daemons (info unless asked). */
export const LOGGING_FLAGS: OptionTable = loggingFlags('info');

export const CONFIG_FLAG: OptionTable = {
  config: {
    type: 'string',
    value: 'FILE',
    description: 'a YAML or JSON settings file; flags and environment variables override it',
  },
};

export const PASSWORD_ENV_FLAG: OptionTable = {
  'password-env': {
    type: 'string',
    value: 'VAR',
    description:
      'the environment variable that holds the key password (never put a password on the command line)',
  },
};

export const JSON_FLAG: OptionTable = {
  json: { type: 'boolean', description: 'print JSON instead of a table (for scripts)' },
};

/** The log level the logging flags ask for, or undefined when they ask for none. */
export function logLevelFlag(values: OptionValues): LogLevel | undefined {
  if (values['logging.trace'] === true) return 'trace';
  if (values['logging.debug'] === true) return 'debug';
  const level = stringOption(values, 'logging.level');
  if (level === undefined) return undefined;
  if (!isLogLevel(level)) {
    throw new UsageError(
      `--logging.level "${level}" is not a level`,
      'use one of trace, debug, info, warn, error',
    );
  }
  return level;
}

/**
 * The value of the environment variable `--password-env` names; undefined when the flag is not
 * given. A named variable that is not set is a usage error.
 */
export function passwordFromEnv(
  values: OptionValues,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const name = stringOption(values, 'password-env');
  if (name === undefined) return undefined;
  const value = env[name];
  if (value === undefined) {
    throw new UsageError(
      `--password-env ${name}: that environment variable is not set`,
      `export ${name}=<password> before running the command, or leave --password-env out for an unencrypted key`,
    );
  }
  return value;
}

/**
 * The logger of a command whose stdout is its result: to stderr, at the level the logging flags
 * ask for, else `fallback` (warn).
 */
export function commandLogger(
  values: OptionValues,
  name: string,
  fallback: LogLevel = 'warn',
): Logger {
  return createLogger({ name, level: logLevelFlag(values) ?? fallback, destination: 2 });
}
