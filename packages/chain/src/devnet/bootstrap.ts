import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { NonceTracker } from '../client/nonceTracker.js';
import { call, isEvent, maybeStorage } from '../client/pallet.js';
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
 * switched to the stable mechanism (0) in storage: 1 TAO staked is exactly 1 alpha, with no fee,
 * so stakes read back exactly. Still honoured on spec 293 (`swap_tao_for_alpha` swaps 1:1 unless
 * the mechanism is 1). Without it, a fresh dynamic subnet on spec 218 has an empty pool, where
 * stake buys 0 alpha; on spec 293 the pool starts with the 1000 TAO lock, and 1 TAO staked bought
 * 0.996018174 alpha (a swap fee of 0.00299 TAO, and slippage).
 */
const STABLE_MECHANISM = '0x0000';

/**
 * Global `SubtensorModule` limits a local network does not want, zeroed where the runtime has
 * them: a subnet can be registered right away, and any stake may set weights.
 * `WeightsMinStake` (spec 218) is `StakeThreshold` on spec 293; `StartCallDelay` (newer
 * runtimes) replaced the `DurationOfStartCall` constant of spec 293.
 */
const ZEROED_LIMITS = [
  'NetworkRateLimit',
  'TxRateLimit',
  'WeightsMinStake',
  'StakeThreshold',
  'StartCallDelay',
] as const;

/**
 * Storage written into the fresh genesis before the first extrinsic (chopsticks `setStorage`):
 * //Alice is sudo, the dev coldkeys are funded, and the limits above are zero.
 * `hasStorage(item)` says whether the runtime has `SubtensorModule.<item>`.
 */
export function genesisOverrides(options: {
  sudo: string;
  funded: readonly string[];
  hasStorage: (item: string) => boolean;
}) {
  const limits: Record<string, string> = {};
  // Raw SCALE bytes: chopsticks deletes a key whose value is a falsy 0 (back to the default).
  for (const item of ZEROED_LIMITS) if (options.hasStorage(item)) limits[item] = U64_ZERO;
  return {
    Sudo: { Key: options.sudo },
    System: {
      Account: options.funded.map((addr) => [
        [addr],
        { providers: 1, data: { free: DEV_FUNDS_RAO.toString() } },
      ]),
    },
    SubtensorModule: limits,
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

/** The devnet's RPC (chopsticks `dev_*` methods are not decorated on `api.rpc`). */
export interface DevRpc {
  send(method: string, params: unknown[]): Promise<unknown>;
}

/**
 * Registers the devnet's subnet with the owner dev wallet (alice), starts it where the runtime
 * has `start_call` (spec 293 on), and relaxes its hyperparameters through sudo, the last two in
 * one extrinsic. Real extrinsics on the real runtime.
 */
export async function bootstrapSubnet(
  api: ApiPromise,
  rpc: DevRpc,
  params: SudoSubnetParams,
  log: Logger,
): Promise<BootstrapResult> {
  const owner = DEV_WALLETS[0];
  if (!owner) throw new Error('no dev wallets');
  const coldkey = await keypairFromUri(owner.coldkeyUri);
  const hotkey = await keypairFromUri(owner.hotkeyUri);
  const nonces = new NonceTracker();
  const adapter = runtimeAdapter(api);

  const receipt = await submitExtrinsic(
    api,
    nonces,
    coldkey,
    adapter.registerNetwork(hotkey.address),
    { log },
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
  let setup: SubmittableExtrinsic<'promise'> = sudoBatch(api, calls);
  if (adapter.hasStartCall) {
    await passStartCallDelay(api, rpc, netuid, log);
    // start_call wants the owner's origin, the hyperparameters root's: one batch by alice
    // (the sudo key) carries both.
    setup = api.tx.utility.batchAll([call(api, 'startCall')(netuid), setup]);
  }
  const setupReceipt = await submitExtrinsic(api, nonces, coldkey, setup, { log });
  checkSudid(api, setupReceipt.events);
  log.debug({ netuid }, 'devnet subnet bootstrapped');
  return { netuid, ownerHotkey: hotkey.address, ownerColdkey: coldkey.address };
}

/**
 * `start_call` is refused until `registered_at + delay` blocks (`NeedWaitingMoreBlocksToStarCall`;
 * spec 293: the constant `DurationOfStartCall`, 10). Rather than building those empty blocks
 * (about 1 s each on spec 293 here), one block is built at the height where the wait is over
 * (chopsticks `unsafeBlockHeight`): the block numbers in between are skipped.
 */
async function passStartCallDelay(
  api: ApiPromise,
  rpc: DevRpc,
  netuid: number,
  log: Logger,
): Promise<void> {
  const delayStorage = maybeStorage(api, 'startCallDelay');
  const delayConst = (api.consts.subtensorModule as Record<string, unknown> | undefined)
    ?.durationOfStartCall;
  const delay = Number(
    (delayStorage
      ? await delayStorage()
      : (delayConst as { toString(): string } | undefined)
    )?.toString() ?? 0,
  );
  const registeredAt = maybeStorage(api, 'networkRegisteredAt');
  if (!registeredAt || delay === 0) return;
  const due = Number((await registeredAt(netuid)).toString()) + delay;
  const head = (await api.rpc.chain.getHeader()).number.toNumber();
  if (head + 1 >= due) return;
  log.debug({ netuid, head, due }, 'skipping to the block where start_call is allowed');
  await rpc.send('dev_newBlock', [{ unsafeBlockHeight: due - 1 }]);
}
