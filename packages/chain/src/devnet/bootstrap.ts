import type { ApiPromise } from '@polkadot/api';
import { NonceTracker } from '../client/nonceTracker.js';
import { isEvent } from '../client/pallet.js';
import { runtimeAdapter } from '../client/runtimeAdapter.js';
import { submitExtrinsic } from '../client/submit.js';
import { ChainError, ChainErrorCode } from '../errors.js';
import {
  checkSudid,
  type SudoSubnetParams,
  sudoBatch,
  sudoParamCalls,
} from '../extrinsics/sudo.js';
import { keypairFromUri } from '../keys.js';
import type { Logger } from '../log.js';
import { DEV_FUNDS_RAO, DEV_WALLETS } from './devWallets.js';

const U64_ZERO = '0x0000000000000000';

/**
 * The devnet subnet is registered as a dynamic subnet (the only kind the runtime registers), then
 * switched to the stable mechanism (0) in storage: 1 TAO staked is exactly 1 alpha, so stakes read
 * back exactly. (A fresh dynamic subnet on spec 218 has an empty pool, and stake bought there is
 * 0 alpha.)
 */
const STABLE_MECHANISM = '0x0000';

/** Storage written into the fresh genesis before the first block (chopsticks `import-storage`). */
export function genesisOverrides(addresses: { sudo: string; funded: readonly string[] }) {
  return {
    Sudo: { Key: addresses.sudo },
    System: {
      Account: addresses.funded.map((addr) => [
        [addr],
        { providers: 1, data: { free: DEV_FUNDS_RAO.toString() } },
      ]),
    },
    SubtensorModule: {
      // Global limits a local network does not want: a subnet can be registered right away.
      // Raw SCALE bytes: chopsticks deletes a key whose value is a falsy 0 (back to the default).
      NetworkRateLimit: U64_ZERO,
      TxRateLimit: U64_ZERO,
      WeightsMinStake: U64_ZERO,
    },
  };
}

/** Hyperparameters the devnet subnet gets unless the caller overrides them. */
export const DEVNET_SUBNET_DEFAULTS: Required<
  Pick<
    SudoSubnetParams,
    | 'tempo'
    | 'weightsSetRateLimit'
    | 'commitRevealWeightsEnabled'
    | 'servingRateLimit'
    | 'maxRegistrationsPerBlock'
    | 'targetRegistrationsPerInterval'
  >
> = {
  tempo: 10,
  weightsSetRateLimit: 0,
  commitRevealWeightsEnabled: false,
  servingRateLimit: 0,
  maxRegistrationsPerBlock: 64,
  targetRegistrationsPerInterval: 64,
};

export interface BootstrapResult {
  netuid: number;
  ownerHotkey: string;
  ownerColdkey: string;
}

/**
 * Registers the devnet's subnet with the owner dev wallet (alice), then relaxes its
 * hyperparameters through sudo in one batch. Real extrinsics on the real runtime.
 */
export async function bootstrapSubnet(
  api: ApiPromise,
  /** The devnet's RPC (chopsticks `dev_*` methods are not decorated on `api.rpc`). */
  rpc: { send(method: string, params: unknown[]): Promise<unknown> },
  params: SudoSubnetParams,
  log: Logger,
): Promise<BootstrapResult> {
  const owner = DEV_WALLETS[0];
  if (!owner) throw new Error('no dev wallets');
  const coldkey = await keypairFromUri(owner.coldkeyUri);
  const hotkey = await keypairFromUri(owner.hotkeyUri);
  const nonces = new NonceTracker();

  const receipt = await submitExtrinsic(
    api,
    nonces,
    coldkey,
    runtimeAdapter(api).registerNetwork(hotkey.address),
    {
      log,
    },
  );
  const added = receipt.events.find((r) => isEvent(api, r.event, 'NetworkAdded'));
  if (!added) {
    throw new ChainError(
      ChainErrorCode.Unsupported,
      'register_network emitted no NetworkAdded event',
    );
  }
  const netuid = Number(added.event.data[0]?.toString());

  await rpc.send('dev_setStorage', [
    { SubtensorModule: { SubnetMechanism: [[[netuid], STABLE_MECHANISM]] } },
  ]);

  const calls = sudoParamCalls(api, netuid, { ...DEVNET_SUBNET_DEFAULTS, ...params });
  const sudoReceipt = await submitExtrinsic(api, nonces, coldkey, sudoBatch(api, calls), { log });
  checkSudid(api, sudoReceipt.events);
  log.debug({ netuid }, 'devnet subnet bootstrapped');
  return { netuid, ownerHotkey: hotkey.address, ownerColdkey: coldkey.address };
}
