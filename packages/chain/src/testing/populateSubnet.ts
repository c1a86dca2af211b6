/**
 * Fills the devnet's subnet with neurons the way a live subnet holds them, through the real
 * runtime. Coldkeys own `perColdkey` hotkeys each (operators run several miners under one
 * coldkey) and register them with one `utility.batch_all` of `burned_register`. Every hotkey has
 * an axon (every eighth on IPv6): the first `servedByExtrinsic` through `serve_axon`, the others
 * written where it stores them. The first `validators` hotkeys stake different amounts, get their
 * permits at the next epoch and set weights over every uid; then epochs run on those weights, so
 * that rank, trust, consensus, incentive, dividends and emission differ between neurons.
 *
 * It sets the subnet's registration limits to the neurons asked for, and turns serving and
 * weights rate limits and commit-reveal off (min allowed weights 1, no max weight limit). The
 * extrinsics of a step share one block: the devnet is switched to manual blocks meanwhile and
 * left in `instant` mode. Under chopsticks every extrinsic costs two runtime calls (pool
 * validation, then its application) in a wasm interpreter, a second or more on 2 cores: hence the
 * batches and the written axons. Test-only: the keys derive from public paths.
 */
import { type ApiPromise, WsProvider } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import { ipToInt } from '../axonIp.js';
import { NonceTracker } from '../client/nonceTracker.js';
import { call, storage } from '../client/pallet.js';
import { runtimeAdapter } from '../client/runtimeAdapter.js';
import { submitExtrinsic, type TxReceipt } from '../client/submit.js';
import type { Devnet } from '../devnet/startDevnet.js';
import { ChainError, ChainErrorCode } from '../errors.js';
import { keypairFromUri } from '../keys.js';
import { type Logger, moduleLogger } from '../log.js';

const TAO = 1_000_000_000n;

export interface PopulateSubnetOptions {
  /** Neurons on the subnet once done, the owner's uid 0 included; at most its `MaxAllowedUids`. */
  neurons: number;
  /** Hotkeys per coldkey (default 16). */
  perColdkey?: number;
  /** How many of the new neurons stake and set weights (default 8, at most the new neurons). */
  validators?: number;
  /**
   * How many of the new hotkeys serve their axon with a signed `serve_axon` (default 16); the
   * axons of the others are written where `serve_axon` stores them (`SubtensorModule::Axons`,
   * through chopsticks' `dev_setStorage`), because under chopsticks one signed extrinsic costs a
   * second or more on 2 cores.
   */
  servedByExtrinsic?: number;
  /** Epochs run on the weights once set (default 1). */
  epochs?: number;
  /** Secret URI root of the keys (default `//Neuron`): `<root>//<c>` and `<root>//hotkey//<i>`. */
  keyRoot?: string;
  /** The dev coldkey that funds the new keys (default `//Ferdie`, a spare dev wallet). */
  funderUri?: string;
  /** Each step is logged at `info` with its time. */
  logger?: Logger;
}

export interface PopulatedSubnet {
  /** The new neurons' hotkeys (ss58), in the order of their uids. */
  hotkeys: string[];
  /** The coldkey of each new hotkey, by the same index. */
  coldkeys: string[];
  /** The hotkeys that staked and set weights. */
  validators: string[];
  /** The subnet's `MaxAllowedUids`. */
  maxAllowedUids: number;
  /** Head block once done. */
  block: number;
}

interface Signed {
  signer: KeyringPair;
  tx: SubmittableExtrinsic<'promise'>;
}

/** The axon address of the i-th new neuron: documentation ranges, every eighth one IPv6. */
function axonAddress(i: number): string {
  return i % 8 === 7 ? `2001:db8::${(i + 1).toString(16)}` : `198.51.${100 + (i >> 8)}.${i & 255}`;
}

function axonPort(i: number): number {
  return 8091 + (i % 64);
}

/** The SDK's version key (bittensor 10.5.0), which its axons serve with. */
const AXON_VERSION = 10_005_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pendingCount(api: ApiPromise): Promise<number> {
  return (await api.rpc.author.pendingExtrinsics()).length;
}

/**
 * Sends every extrinsic (distinct signers, or one signer's in nonce order), waits until the pool
 * holds them all, and builds blocks until each is in one. Throws the first failure.
 */
async function inBlocks(
  devnet: Devnet,
  nonces: NonceTracker,
  batch: Signed[],
): Promise<TxReceipt[]> {
  devnet.setBlockMode('manual');
  try {
    let refused = 0;
    let settled = 0;
    const sent = batch.map(({ signer, tx }) =>
      submitExtrinsic(devnet.api, nonces, signer, tx, { timeoutMs: 600_000 }).then(
        (r) => {
          settled++;
          return r;
        },
        (err: unknown) => {
          settled++;
          refused++;
          throw err;
        },
      ),
    );
    for (const p of sent) p.catch(() => undefined);
    const deadline = Date.now() + 600_000;
    while ((await pendingCount(devnet.api)) + refused < batch.length && Date.now() < deadline) {
      await sleep(50);
    }
    for (let i = 0; i < 4 && settled < batch.length; i++) {
      await devnet.newBlocks(1);
      // Inclusion reaches the status subscriptions a moment after the block.
      for (let j = 0; j < 100 && settled < batch.length; j++) await sleep(20);
    }
    return await Promise.all(sent);
  } finally {
    devnet.setBlockMode('instant');
  }
}

/** Registers, serves, stakes, sets weights and runs epochs; see the module comment. */
export async function populateSubnet(
  devnet: Devnet,
  options: PopulateSubnetOptions,
): Promise<PopulatedSubnet> {
  const { api, netuid } = devnet;
  const log = moduleLogger('populateSubnet', options.logger);
  let t0 = performance.now();
  const step = (name: string) => {
    log.info(
      { step: name, ms: Math.round(performance.now() - t0), head: devnet.head() },
      'step done',
    );
    t0 = performance.now();
  };
  const maxAllowedUids = Number((await storage(api, 'maxAllowedUids')(netuid)).toJSON());
  const existing = Number((await storage(api, 'subnetworkN')(netuid)).toJSON());
  const count = options.neurons - existing;
  if (options.neurons > maxAllowedUids || count < 0) {
    throw new ChainError(
      ChainErrorCode.InvalidArgument,
      `${options.neurons} neurons asked: the subnet holds ${existing} and at most ${maxAllowedUids}`,
    );
  }
  if (count === 0) {
    return { hotkeys: [], coldkeys: [], validators: [], maxAllowedUids, block: devnet.head() };
  }
  const perColdkey = Math.max(1, options.perColdkey ?? 16);
  const validatorCount = Math.min(options.validators ?? 8, count);
  const served = Math.min(count, options.servedByExtrinsic ?? 16);
  const root = options.keyRoot ?? '//Neuron';
  const coldkeys: KeyringPair[] = [];
  const hotkeys: KeyringPair[] = [];
  for (let c = 0; c * perColdkey < count; c++) coldkeys.push(await keypairFromUri(`${root}//${c}`));
  for (let i = 0; i < count; i++) hotkeys.push(await keypairFromUri(`${root}//hotkey//${i}`));
  const coldkeyOf = (i: number) => coldkeys[Math.floor(i / perColdkey)] as KeyringPair;
  const funder = await keypairFromUri(options.funderUri ?? '//Ferdie');
  const nonces = new NonceTracker();
  // The new accounts have sent nothing: their next nonce is 0, and asking the chain for each
  // (a runtime call apiece under chopsticks) would cost more than the extrinsics.
  for (const k of [...coldkeys, ...hotkeys]) nonces.used(k.address, -1);
  const adapter = runtimeAdapter(api);
  // Validator i stakes (validators - i) * 1000 TAO: distinct stakes, distinct dividends.
  const stakeOf = (i: number) =>
    i < validatorCount ? BigInt(validatorCount - i) * 1_000n * TAO : 0n;
  const burn = BigInt(String((await storage(api, 'burn')(netuid)).toJSON()));
  const versionKey = BigInt(String((await storage(api, 'weightsVersionKey')(netuid)).toJSON()));

  await devnet.sudoSet({
    maxRegistrationsPerBlock: count,
    targetRegistrationsPerInterval: count,
    servingRateLimit: 0,
    weightsSetRateLimit: 0,
    commitRevealWeightsEnabled: false,
    minAllowedWeights: 1,
    maxWeightLimit: 65535,
  });

  // Coldkeys pay the burns (the burn may double within the block) and their validators' stakes;
  // the hotkeys that sign need an account.
  const funds = coldkeys.map(() => 10n * TAO);
  hotkeys.forEach((_, i) => {
    const c = Math.floor(i / perColdkey);
    funds[c] = (funds[c] ?? 0n) + 4n * burn + stakeOf(i);
  });
  const transfers = [
    ...coldkeys.map((k, c) => api.tx.balances.transferKeepAlive(k.address, funds[c] ?? 0n)),
    ...hotkeys
      .slice(0, Math.max(served, validatorCount))
      .map((k) => api.tx.balances.transferKeepAlive(k.address, TAO)),
  ];
  await submitExtrinsic(api, nonces, funder, api.tx.utility.batchAll(transfers));
  step('funded');

  await inBlocks(
    devnet,
    nonces,
    coldkeys.map((ck, c) => ({
      signer: ck,
      tx: api.tx.utility.batchAll(
        hotkeys
          .slice(c * perColdkey, (c + 1) * perColdkey)
          .map((hk) => call(api, 'burnedRegister')(netuid, hk.address)),
      ),
    })),
  );
  step('registered');
  await inBlocks(
    devnet,
    nonces,
    hotkeys.slice(0, served).map((hk, i) => {
      const { ip, ipType } = ipToInt(axonAddress(i));
      return {
        signer: hk,
        tx: call(api, 'serveAxon')(netuid, AXON_VERSION, ip, axonPort(i), ipType, 4, 0, 0),
      };
    }),
  );
  if (served < count) {
    // What serve_axon stores (SubtensorModule::Axons), written at the head for the rest.
    const block = devnet.head();
    const axons = hotkeys.slice(served).map((hk, k) => {
      const i = served + k;
      const { ip, ipType } = ipToInt(axonAddress(i));
      return [
        [netuid, hk.address],
        {
          block,
          version: AXON_VERSION,
          ip: ip.toString(),
          port: axonPort(i),
          ipType,
          protocol: 4,
          placeholder1: 0,
          placeholder2: 0,
        },
      ];
    });
    const rpc = new WsProvider(devnet.endpoint, 0);
    try {
      await rpc.connect();
      await rpc.isReady;
      await rpc.send('dev_setStorage', [{ SubtensorModule: { Axons: axons } }]);
    } finally {
      await rpc.disconnect();
    }
  }
  step('served');
  if (validatorCount > 0) {
    const stakes = coldkeys.flatMap((ck, c) => {
      const calls = hotkeys.slice(c * perColdkey, (c + 1) * perColdkey).flatMap((hk, j) => {
        const amount = stakeOf(c * perColdkey + j);
        return amount > 0n ? [call(api, 'addStake')(hk.address, netuid, amount)] : [];
      });
      return calls.length > 0 ? [{ signer: ck, tx: api.tx.utility.batchAll(calls) }] : [];
    });
    await inBlocks(devnet, nonces, stakes);
    const tempo = Number((await storage(api, 'tempo')(netuid)).toJSON());
    // Permits come with the next epoch.
    await devnet.newBlocks(tempo + 2);
    step('staked');
    const uids = Array.from({ length: options.neurons }, (_, u) => u);
    await inBlocks(
      devnet,
      nonces,
      hotkeys.slice(0, validatorCount).map((hk, v) => ({
        signer: hk,
        // Each validator its own pattern over every uid: 1..65535, never all equal.
        tx: adapter.setWeights({
          netuid,
          uids,
          values: uids.map((u) => 1 + ((u * 7919 + v * 104_729) % 65_535)),
          versionKey,
        }),
      })),
    );
    step('weights set');
    for (let e = 0; e < (options.epochs ?? 1); e++) await devnet.newBlocks(tempo + 1);
    step('epochs');
  }
  return {
    hotkeys: hotkeys.map((k) => k.address),
    coldkeys: hotkeys.map((_, i) => coldkeyOf(i).address),
    validators: hotkeys.slice(0, validatorCount).map((k) => k.address),
    maxAllowedUids,
    block: devnet.head(),
  };
}
