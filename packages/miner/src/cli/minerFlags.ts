/**
 * The miner's flags: the kit's shared ones (declared once for every daemon) and the miner's own,
 * and how a command's flags, the environment and the `--config` file become its settings.
 */
import {
  CONFIG_FLAG,
  type CommandContext,
  LOGGING_FLAGS,
  logLevelFlag,
  NETUID_FLAG,
  nestFlags,
  type OptionTable,
  SUBTENSOR_FLAGS,
  stringOption,
  WALLET_FLAGS,
} from '@subnet/kit';
import { loadMinerConfig } from '../config/loadConfig';
import type { MinerConfig } from '../config/minerConfig';

/** The subnet, the chain, the wallet, the config file and logging: every command has them. */
export const COMMON_FLAGS: OptionTable = {
  ...NETUID_FLAG,
  ...SUBTENSOR_FLAGS,
  ...WALLET_FLAGS,
  ...CONFIG_FLAG,
  ...LOGGING_FLAGS,
};

/** Where the axon listens (start listens there; status and doctor look there). */
export const AXON_LISTEN_FLAGS: OptionTable = {
  'axon.ip': {
    type: 'string',
    value: 'IP',
    description: 'the interface the axon listens on',
    default: '0.0.0.0',
  },
  'axon.port': {
    type: 'string',
    value: 'PORT',
    description: 'the port the axon listens on; 0 picks a free one',
    default: '8091',
  },
};

/** What only `start` takes. */
export const START_FLAGS: OptionTable = {
  'axon.external_ip': {
    type: 'string',
    value: 'IP',
    description:
      'the IP announced on chain, that validators reach this miner on (required off a local chain)',
  },
  'axon.external_port': {
    type: 'string',
    value: 'PORT',
    description: 'the port announced on chain, when it is not the one listened on',
  },
  'axon.crypto_threads': {
    type: 'string',
    value: 'N',
    description:
      "worker threads for signature checks and answer signatures; 0 runs them on the axon's thread, and left out the miner picks by core count",
  },
  'blacklist.min_stake': {
    type: 'string',
    value: 'TAO',
    description: 'refuse validators with less stake than this',
    default: '0',
  },
};

/** Flags that are not settings of the configuration schema. */
const NOT_SETTINGS = [
  'config',
  'password-env',
  'yes',
  'logging.level',
  'logging.debug',
  'logging.trace',
];

/**
 * The command's settings: defaults < `--config` file < `SUBNET_MINER_*` < flags, paths resolved
 * from the folder the command was run in. A mistake is MINER_CONFIG_INVALID (exit 2).
 */
export function minerSettings(ctx: CommandContext): Readonly<MinerConfig> {
  const flags = nestFlags(ctx.values, NOT_SETTINGS);
  const level = logLevelFlag(ctx.values);
  if (level !== undefined) flags.logging = { level };
  return loadMinerConfig({
    flags,
    env: ctx.io.env,
    file: stringOption(ctx.values, 'config'),
    paths: ctx.io.paths,
  });
}
