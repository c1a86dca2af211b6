/** What `register` and `status` share: the hotkey, then a connection to the chain. */
import { ChainClient, type KeyringPair, loadHotkey } from '@subnet/chain';
import type { Logger } from '@subnet/kit';
import type { MinerConfig } from '../config/minerConfig';
import { chainUnreachable, walletError } from '../daemon/operatorErrors';

/** How long a command keeps trying to reach the chain before MINER_CHAIN_UNREACHABLE. */
export const COMMAND_CHAIN_TIMEOUT_MS = 10_000;

export async function loadMinerHotkey(
  config: Readonly<MinerConfig>,
  password?: string,
): Promise<KeyringPair> {
  return loadHotkey(config.wallet, password === undefined ? {} : { password }).catch(
    (cause: unknown) => {
      throw walletError(cause, config.wallet, 'hotkey');
    },
  );
}

export async function connectChain(
  config: Readonly<MinerConfig>,
  log: Logger,
): Promise<ChainClient> {
  return ChainClient.connect({
    network: config.subtensor.endpoint,
    logger: log,
    connectTimeoutMs: COMMAND_CHAIN_TIMEOUT_MS,
  }).catch((cause: unknown) => {
    throw chainUnreachable(config.subtensor, cause);
  });
}
