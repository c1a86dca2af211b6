/**
 * Reads the miner's configuration from a YAML/JSON file, `SUBNET_MINER_*` environment variables
 * (double underscore nests: `SUBNET_MINER_AXON__PORT=8091`) and parsed flags; validates it once and
 * freezes it (the chain package's btcli-style loader). On failure, the error says which value was
 * wrong, what was received and how to fix it.
 */
import { type ConfigSources, envTree as envTreeOf, loadLayeredConfig } from '@subnet/chain/config';
import { MinerError, MinerErrorCode } from '../errors';
import { type MinerConfig, minerConfigSchema } from './minerConfig';

export const ENV_PREFIX = 'SUBNET_MINER_';

export type LoadConfigInput = ConfigSources;

/** `SUBNET_MINER_A__B_C=v` → `{ a: { b_c: 'v' } }`. */
export function envTree(env: Readonly<Record<string, string | undefined>>) {
  return envTreeOf(env, ENV_PREFIX);
}

export function loadMinerConfig(input: LoadConfigInput): Readonly<MinerConfig> {
  return loadLayeredConfig(minerConfigSchema, input, {
    envPrefix: ENV_PREFIX,
    what: 'miner',
    fail: (message, cause) => new MinerError(MinerErrorCode.ConfigInvalid, message, { cause }),
  });
}
