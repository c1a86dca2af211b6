/**
 * Reads the validator's configuration: defaults < a YAML/JSON file (`--config`) <
 * `SUBNET_VALIDATOR_*` environment variables (a double underscore between levels:
 * `SUBNET_VALIDATOR_API__PORT`, `SUBNET_VALIDATOR_DATA_DIR`) < flags. Validated once, every path
 * made absolute (configPaths.ts), the network name made the chain's URL, frozen. A wrong value is
 * reported in the operator's words: the flag, its variable and what is wrong (`--netuid (or
 * SUBNET_VALIDATOR_NETUID) is required`), with exit code 2.
 */
import { homedir } from 'node:os';
import { NETWORK_ENDPOINTS, resolveEndpoint } from '@subnet/chain';
import { type ConfigTree, envTree, mergeTrees } from '@subnet/chain/config';
import { formatZodIssues, type PathContext, resolvePath } from '@subnet/kit';
import type { z } from 'zod';
import { ValidatorError, ValidatorErrorCode } from '../errors';
import { readConfigFile } from './configFile';
import { configPaths } from './configPaths';
import { type ValidatorConfig, validatorConfigSchema } from './validatorConfig';

export const ENV_PREFIX = 'SUBNET_VALIDATOR_';

export interface LoadConfigInput {
  /** Flags as a settings tree (the storage flags as `database_url` and `data_dir`). */
  flags: ConfigTree;
  /** The environment the `SUBNET_VALIDATOR_*` variables are read from (default: none). */
  env?: Readonly<Record<string, string | undefined>>;
  /** The `--config` file; a relative path is taken from `paths.cwd`. */
  file?: string | undefined;
  /**
   * Where relative paths are taken from and what `~` is. Commands pass their `io.paths`; the
   * default (this process's folder and home) is for programs that pass absolute paths.
   */
  paths?: PathContext;
}

/** The storage settings are flags of their own (`--database-url`, `--data-dir`). */
const FLAG_OF: Readonly<Record<string, string>> = {
  '--database_url': '--database-url',
  '--data_dir': '--data-dir',
};

/** Zod's issues as one line each, the storage settings under their flag names. */
export function configIssues(error: z.ZodError): string[] {
  return formatZodIssues(error, { envPrefix: ENV_PREFIX }).map((line) =>
    line.replace(/^--(database_url|data_dir)\b/, (m) => FLAG_OF[m] ?? m),
  );
}

export function configError(error: z.ZodError): ValidatorError {
  const lines = configIssues(error);
  const message =
    lines.length === 1
      ? (lines[0] as string)
      : `${lines.length} settings are wrong:\n  ${lines.join('\n  ')}`;
  // Zod's own error is not the cause shown to the operator: the lines above say it all.
  return new ValidatorError(ValidatorErrorCode.ConfigInvalid, message, {
    fix: `set ${lines.length === 1 ? 'it' : 'each'} by flag, environment variable or in the --config file (--help lists the flags)`,
  });
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * The settings tree of file < environment < flags, before validation. btcli's `BT_WALLET_PATH`
 * is the wallets folder when none of them names one.
 */
export function settingsTree(input: LoadConfigInput, paths: PathContext): ConfigTree {
  const env = input.env ?? {};
  const file = input.file === undefined ? {} : readConfigFile(resolvePath(input.file, paths));
  const btcli = env.BT_WALLET_PATH ? { wallet: { path: env.BT_WALLET_PATH } } : {};
  return mergeTrees(btcli, file, envTree(env, ENV_PREFIX), input.flags);
}

/**
 * The chain's URL for a network name (`local` is `BT_SUBTENSOR_CHAIN_ENDPOINT` when set, as the
 * SDK has it), so every later message and connection names the same endpoint.
 */
function chainEndpoint(network: string, env: LoadConfigInput['env']): string {
  try {
    return resolveEndpoint(network, env ?? {});
  } catch {
    throw new ValidatorError(
      ValidatorErrorCode.ConfigInvalid,
      `--subtensor.network (or ${ENV_PREFIX}SUBTENSOR__NETWORK) must be ${Object.keys(NETWORK_ENDPOINTS).join(', ')} or a ws:// or wss:// URL (got ${JSON.stringify(network)})`,
      { fix: 'e.g. --subtensor.network finney, or --subtensor.network ws://127.0.0.1:9944' },
    );
  }
}

export function loadValidatorConfig(input: LoadConfigInput): Readonly<ValidatorConfig> {
  const paths = input.paths ?? { cwd: process.cwd(), home: homedir() };
  const result = validatorConfigSchema.safeParse(settingsTree(input, paths), { reportInput: true });
  if (!result.success) throw configError(result.error);
  const config = configPaths(result.data, paths);
  return deepFreeze({
    ...config,
    subtensor: { network: chainEndpoint(config.subtensor.network, input.env) },
  });
}
