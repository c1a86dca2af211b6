/**
 * Reads the miner's configuration from a YAML/JSON file, `SUBNET_MINER_*` environment variables
 * (double underscore nests: `SUBNET_MINER_AXON__PORT=8091`) and parsed flags (the chain package's
 * btcli-style layering); validates it once, resolves its paths and the chain's endpoint
 * (`resolveSettings`) and freezes it. On failure the error names each wrong setting as the
 * operator sets it (flag and variable) and what is wrong with it: exit 2.
 */
import { type ConfigTree, envTree as envTreeOf, loadLayeredConfig } from '@subnet/chain/config';
import { type PathContext, resolvePath } from '@subnet/kit';
import { z } from 'zod';
import { MinerError, MinerErrorCode } from '../errors';
import { configIssueLines } from './configIssues';
import { type MinerConfig, minerConfigSchema } from './minerConfig';
import { type Env, resolveSettings } from './resolveSettings';

export const ENV_PREFIX = 'SUBNET_MINER_';

export interface LoadConfigInput {
  /** Flags as a tree (`{ axon: { port: '8091' } }`: the kit's `nestFlags`). */
  flags: ConfigTree;
  /** The environment: `SUBNET_MINER_*`, the registry's `SUBNET_MODELS_*`, `BT_SUBTENSOR_CHAIN_ENDPOINT`. */
  env?: Env;
  /** The `--config` file, as typed (relative to `paths.cwd`). */
  file?: string | undefined;
  /**
   * Where the operator ran the command and what `~` is: every path setting is resolved from it.
   * Leave it out only when every path given is absolute (tests, scripts).
   */
  paths?: PathContext;
}

/** `SUBNET_MINER_A__B_C=v` → `{ a: { b_c: 'v' } }`. */
export function envTree(env: Env) {
  return envTreeOf(env, ENV_PREFIX);
}

const FIX =
  'set it with the flag, the environment variable or the key in the --config file (--help lists the flags, docs/miner.md the file)';

const anyTree = z.record(z.string(), z.unknown());

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export function loadMinerConfig(input: LoadConfigInput): Readonly<MinerConfig> {
  const env = input.env ?? {};
  const file =
    input.file !== undefined && input.paths ? resolvePath(input.file, input.paths) : input.file;
  const tree = loadLayeredConfig(
    anyTree,
    { flags: input.flags, env, file },
    {
      envPrefix: ENV_PREFIX,
      what: 'miner',
      // The message says what the cause was.
      fail: (message) =>
        new MinerError(MinerErrorCode.ConfigInvalid, message, {
          fix: 'check the path given to --config and its YAML/JSON syntax',
        }),
    },
  );
  const parsed = minerConfigSchema.safeParse(tree, { reportInput: true });
  if (!parsed.success) {
    const lines = configIssueLines(parsed.error, tree, ENV_PREFIX);
    const message =
      lines.length === 1
        ? (lines[0] as string)
        : `the configuration has ${lines.length} problems:\n${lines.map((l) => `  ${l}`).join('\n')}`;
    throw new MinerError(MinerErrorCode.ConfigInvalid, message, { fix: FIX });
  }
  let settings: MinerConfig;
  try {
    settings = resolveSettings(parsed.data, env, input.paths);
  } catch {
    // The one thing resolving can refuse: a network name that is not one.
    throw new MinerError(
      MinerErrorCode.ConfigInvalid,
      `--subtensor.network (or ${ENV_PREFIX}SUBTENSOR__NETWORK) "${parsed.data.subtensor.network}" is not a network`,
      { fix: 'use finney, test, archive, local or a ws:// or wss:// URL' },
    );
  }
  return deepFreeze(settings);
}
