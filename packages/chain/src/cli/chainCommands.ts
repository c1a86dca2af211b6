/** `pnpm chain register`, `metagraph` and `weights policy`: the commands that talk to the chain. */
import {
  type CommandSpec,
  JSON_FLAG,
  type Logger,
  NETUID_FLAG,
  PASSWORD_ENV_FLAG,
  passwordFromEnv,
  SUBTENSOR_FLAGS,
  WALLET_FLAGS,
} from '@subnet/kit';
import type { ChainClient } from '../client/chainClient.js';
import type { KeyringPair } from '../keys.js';
import { loadColdkey, loadHotkey } from '../wallet/wallet.js';
import {
  commandLogger,
  connect,
  explainWalletError,
  netuidOf,
  networkOf,
  QUIET_LOGGING_FLAGS,
  requireSubnet,
  toJson,
  walletOf,
} from './cliSupport.js';
import { metagraphTable } from './table.js';

export interface ChainCommandSettings {
  /** How long a command waits for the first connection to the chain (ms). */
  readonly connectTimeoutMs: number;
}

/** Connects to the chain the flags name, runs `fn`, and closes the connection whatever happens. */
async function withChain<T>(
  settings: ChainCommandSettings,
  endpoint: string,
  logger: Logger,
  fn: (client: ChainClient) => Promise<T>,
): Promise<T> {
  const client = await connect({
    endpoint,
    logger,
    connectTimeoutMs: settings.connectTimeoutMs,
  });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

export function registerCommandSpec(settings: ChainCommandSettings): CommandSpec {
  return {
    name: 'register',
    summary: 'burned_register the hotkey on a subnet, paid by the coldkey; prints the uid',
    description:
      'Loads the coldkey (decrypted with the password in the variable --password-env names) and the hotkey, and registers the hotkey on the subnet by burning the registration cost from the coldkey. A hotkey registered already is left as it is.',
    options: {
      ...NETUID_FLAG,
      ...SUBTENSOR_FLAGS,
      ...WALLET_FLAGS,
      ...PASSWORD_ENV_FLAG,
      ...QUIET_LOGGING_FLAGS,
    },
    examples: [
      'pnpm chain register --subtensor.network local --netuid 2 --wallet.name charlie',
      'pnpm chain register --subtensor.network finney --netuid 19 --wallet.name mywallet --wallet.hotkey miner1 --password-env MY_COLDKEY_PASSWORD',
    ],
    async run({ values, io }) {
      const netuid = netuidOf(values);
      const { endpoint } = networkOf(values, io);
      const wallet = walletOf(values, io);
      const password = passwordFromEnv(values, io.env);
      // The hotkey first: a missing one is found before the coldkey's decryption (seconds).
      let hot: KeyringPair;
      let cold: KeyringPair;
      try {
        hot = await loadHotkey(wallet);
        cold = await loadColdkey(wallet, password === undefined ? {} : { password });
      } catch (err) {
        throw explainWalletError(err, wallet);
      }
      const logger = commandLogger(values, 'chain');
      return withChain(settings, endpoint, logger, async (client) => {
        await requireSubnet(client, netuid);
        const existing = await client.uidForHotkey(netuid, hot.address);
        if (existing !== undefined) {
          io.out(`hotkey ${hot.address} is already uid ${existing} on subnet ${netuid}`);
          return 0;
        }
        const uid = await client.burnedRegister({ netuid, coldkey: cold, hotkey: hot.address });
        io.out(`registered hotkey ${hot.address} on subnet ${netuid} as uid ${uid}`);
        return 0;
      });
    },
  };
}

export function metagraphCommandSpec(settings: ChainCommandSettings): CommandSpec {
  return {
    name: 'metagraph',
    summary: "the subnet's neurons as a table (or JSON)",
    description:
      'One row per uid: hotkey, coldkey, stake, validator permit, incentive, dividends, emission, last update and axon.',
    options: { ...NETUID_FLAG, ...SUBTENSOR_FLAGS, ...JSON_FLAG, ...QUIET_LOGGING_FLAGS },
    examples: ['pnpm chain metagraph --subtensor.network local --netuid 2'],
    async run({ values, io }) {
      const netuid = netuidOf(values);
      const { endpoint } = networkOf(values, io);
      const logger = commandLogger(values, 'chain');
      return withChain(settings, endpoint, logger, async (client) => {
        await requireSubnet(client, netuid);
        const mg = await client.metagraph(netuid);
        io.out(values.json === true ? toJson(mg) : metagraphTable(mg));
        return 0;
      });
    },
  };
}

export function weightsPolicyCommandSpec(settings: ChainCommandSettings): CommandSpec {
  return {
    name: 'weights policy',
    summary: 'how the chain wants weights on the subnet, and why',
    description:
      'The path a validator takes (set_weights, hash commit/reveal or timelocked commits to a drand round) and the reason, with commit-reveal on or off and its version, the reveal period, tempo, rate limit, version key, mechanisms and the newest drand round stored.',
    options: { ...NETUID_FLAG, ...SUBTENSOR_FLAGS, ...JSON_FLAG, ...QUIET_LOGGING_FLAGS },
    examples: ['pnpm chain weights policy --subtensor.network local --netuid 2'],
    async run({ values, io }) {
      const netuid = netuidOf(values);
      const { endpoint } = networkOf(values, io);
      const logger = commandLogger(values, 'chain');
      return withChain(settings, endpoint, logger, async (client) => {
        await requireSubnet(client, netuid);
        const p = await client.weights.policy(netuid);
        if (values.json === true) {
          io.out(toJson(p));
          return 0;
        }
        io.out(`path               ${p.path} (${p.reason})`);
        io.out(
          `commit-reveal      ${p.commitReveal ? 'on' : 'off'}${p.commitRevealVersion === undefined ? '' : `, version ${p.commitRevealVersion}`}`,
        );
        io.out(
          `reveal period      ${p.revealPeriodEpochs} epoch(s), tempo ${p.tempo}, ${p.epochModel} epochs`,
        );
        io.out(`rate limit         ${p.rateLimit} blocks`);
        io.out(`version key        >= ${p.versionKey}`);
        io.out(
          `mechanisms         ${p.mechanismCount}${p.mechanismSplit ? ` (split ${p.mechanismSplit.join('/')})` : ''}`,
        );
        io.out(
          `drand              ${p.drandLastRound > 0n ? `round ${p.drandLastRound} stored` : 'no pulses stored'}`,
        );
        return 0;
      });
    },
  };
}
