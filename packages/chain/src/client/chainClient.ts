import { ApiPromise, WsProvider } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import { ipToInt } from '../axonIp.js';
import { ChainError, ChainErrorCode } from '../errors.js';
import { readHyperparameters, type SubnetHyperparameters } from '../hyperparameters.js';
import { type Logger, moduleLogger } from '../log.js';
import { type Metagraph, metagraphFromRuntimeApi, metagraphFromStorage } from '../metagraph.js';
import { type NetworkName, resolveEndpoint } from '../networks.js';
import { commitHash, randomSalt } from '../weights/commitHash.js';
import { type ProcessWeightsOptions, weightsForChain } from '../weights/processWeights.js';
import { NonceTracker } from './nonceTracker.js';
import { call, isEvent, storage } from './pallet.js';
import { type RuntimeAdapter, runtimeAdapter } from './runtimeAdapter.js';
import { type SubmitOptions, submitExtrinsic, type TxReceipt } from './submit.js';

export interface ChainClientOptions {
  /** `finney`, `test`, `archive`, `local` or a `ws(s)://` URL (default `local`). */
  network?: NetworkName | string;
  logger?: Logger;
  /**
   * Reconnect backoff: first delay and cap, in ms (default 250 and 5,000: a node back after an
   * outage is rejoined within about a block; a refused connect every 5 s costs nothing).
   */
  reconnect?: { minDelayMs?: number; maxDelayMs?: number };
  /** How long a call waits for a (re)connection before `CHAIN_CONNECTION` (default 30 s). */
  connectTimeoutMs?: number;
  /**
   * Deadline of a query once connected, before `CHAIN_TIMEOUT` (default 60 s). Extrinsics have
   * their own (`SubmitOptions.timeoutMs`).
   */
  callTimeoutMs?: number;
  /** The clock of `connection().sinceMs` (default `Date.now`). */
  now?: () => number;
}

/** Whether the client is connected now, and since when (epoch ms) it has been in that state. */
export interface ConnectionState {
  connected: boolean;
  /** When the connection came up (connected) or went down (not connected). */
  sinceMs: number;
}

/** The SDK's version key for bittensor 10.5.0 (`version_as_int`). */
export const DEFAULT_VERSION_KEY = 10_005_000n;

export interface SetWeightsArgs {
  netuid: number;
  hotkey: KeyringPair;
  uids: readonly number[];
  /** Floats; processed and converted to u16 as the SDK does. */
  weights: readonly number[];
  versionKey?: bigint;
  mecid?: number;
  /**
   * Apply the SDK's `process_weights` with the subnet's min allowed weights and max weight limit
   * first (default true). `{ excludeQuantile }` to exclude low weights too.
   */
  process?: boolean | { excludeQuantile?: number };
  submit?: SubmitOptions;
}

/** What `commitWeights` committed: keep it to reveal later. */
export interface PendingCommit {
  netuid: number;
  mecid: number;
  hotkey: string;
  uids: number[];
  values: number[];
  salt: number[];
  versionKey: bigint;
  hash: `0x${string}`;
  /** Block that included the commit. */
  block: number;
}

/** A commit stored on chain for a hotkey (`WeightCommits`). */
export interface StoredCommit {
  hash: string;
  commitBlock: number;
  firstRevealBlock: number;
  lastRevealBlock: number;
}

export interface ServeAxonArgs {
  netuid: number;
  hotkey: KeyringPair;
  ip: string;
  port: number;
  /** 4 as the SDK's axon (HTTP). */
  protocol?: number;
  version?: number;
  submit?: SubmitOptions;
}

/**
 * Subtensor over @polkadot/api for the miner and the validator: reconnects with backoff, tracks
 * nonces locally, waits for inclusion and turns dispatch errors into typed `ChainError`s.
 *
 * Through an outage: every call fails within a bounded time (`connectTimeoutMs` waiting for the
 * connection, `callTimeoutMs` for a query once sent, and a submission waiting for inclusion fails
 * with `CHAIN_CONNECTION` as soon as the connection drops, since its status subscription is not
 * resumed; the extrinsic may still land). Subscriptions (`watchMetagraph`) resume on reconnect.
 */
export class ChainClient {
  readonly endpoint: string;
  readonly #log: Logger;
  readonly #provider: WsProvider;
  readonly #nonces = new NonceTracker();
  readonly #connectTimeoutMs: number;
  readonly #callTimeoutMs: number;
  readonly #now: () => number;
  readonly #minDelay: number;
  readonly #maxDelay: number;
  #api!: ApiPromise;
  #adapter!: RuntimeAdapter;
  #connected = false;
  #sinceMs: number;
  /** Aborted when the current connection drops: what waits on it gives up. */
  #lost = new AbortController();
  #closed = false;
  #delay: number;
  #retryTimer: NodeJS.Timeout | undefined;
  #waiters: Array<() => void> = [];

  private constructor(endpoint: string, options: ChainClientOptions) {
    this.endpoint = endpoint;
    this.#log = moduleLogger('chain-client', options.logger);
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    this.#callTimeoutMs = options.callTimeoutMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#sinceMs = this.#now();
    this.#minDelay = options.reconnect?.minDelayMs ?? 250;
    this.#maxDelay = options.reconnect?.maxDelayMs ?? 5_000;
    this.#delay = this.#minDelay;
    this.#provider = new WsProvider(endpoint, 0);
  }

  /** Connects (retrying with backoff until `connectTimeoutMs`) and loads the runtime metadata. */
  static async connect(options: ChainClientOptions = {}): Promise<ChainClient> {
    const client = new ChainClient(resolveEndpoint(options.network ?? 'local'), options);
    await client.#start();
    return client;
  }

  async #start(): Promise<void> {
    this.#provider.on('connected', () => {
      if (this.#connected) return;
      const now = this.#now();
      if (this.#api) {
        this.#log.info(
          { endpoint: this.endpoint, downForS: Math.round((now - this.#sinceMs) / 1000) },
          'reconnected to chain',
        );
      }
      this.#sinceMs = now;
      this.#connected = true;
      this.#lost = new AbortController();
      this.#delay = this.#minDelay;
      // The chain may have been restarted from genesis: ask it for nonces again.
      this.#nonces.reset();
      for (const w of this.#waiters.splice(0)) w();
    });
    this.#provider.on('disconnected', () => {
      const was = this.#connected;
      this.#connected = false;
      if (was) {
        this.#sinceMs = this.#now();
        this.#lost.abort(
          new ChainError(ChainErrorCode.Connection, `connection to ${this.endpoint} lost`),
        );
      }
      if (this.#closed) return;
      if (was) this.#log.warn({ endpoint: this.endpoint }, 'disconnected from chain; reconnecting');
      this.#scheduleReconnect();
    });
    this.#provider.on('error', () => undefined);
    this.#provider.connect().catch(() => this.#scheduleReconnect());
    await this.#waitConnected();
    this.#api = new ApiPromise({ provider: this.#provider, noInitWarn: true });
    await Promise.race([
      this.#api.isReadyOrError,
      new Promise((_, reject) =>
        setTimeout(
          () =>
            reject(new ChainError(ChainErrorCode.Connection, `no metadata from ${this.endpoint}`)),
          this.#connectTimeoutMs,
        ).unref(),
      ),
    ]).catch(async (err) => {
      await this.close();
      throw err instanceof ChainError
        ? err
        : new ChainError(ChainErrorCode.Connection, String(err), { cause: err });
    });
    this.#adapter = runtimeAdapter(this.#api);
    this.#log.debug(
      { endpoint: this.endpoint, spec: this.#adapter.specName, version: this.#adapter.specVersion },
      'connected',
    );
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#retryTimer) return;
    const delay = this.#delay;
    this.#delay = Math.min(this.#delay * 2, this.#maxDelay);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#closed || this.#connected) return;
      this.#provider.connect().catch(() => this.#scheduleReconnect());
    }, delay);
    this.#retryTimer.unref?.();
  }

  #waitConnected(): Promise<void> {
    if (this.#connected) return Promise.resolve();
    if (this.#closed)
      return Promise.reject(new ChainError(ChainErrorCode.Connection, 'client is closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== done);
        reject(
          new ChainError(
            ChainErrorCode.Connection,
            `no connection to ${this.endpoint} within ${this.#connectTimeoutMs} ms`,
          ),
        );
      }, this.#connectTimeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#waiters.push(done);
    });
  }

  /**
   * Runs `fn` once connected; a connection lost mid-call becomes `CHAIN_CONNECTION`, and a call
   * still unanswered after `deadlineMs` (default `callTimeoutMs`; `null` for none) `CHAIN_TIMEOUT`.
   */
  async #call<T>(
    what: string,
    fn: (api: ApiPromise, lost: AbortSignal) => Promise<T>,
    deadlineMs: number | null = this.#callTimeoutMs,
  ): Promise<T> {
    await this.#waitConnected();
    await this.#api.isReady;
    let timer: NodeJS.Timeout | undefined;
    try {
      const run = fn(this.#api, this.#lost.signal);
      if (deadlineMs === null) return await run;
      run.catch(() => undefined);
      return await Promise.race([
        run,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new ChainError(
                  ChainErrorCode.Timeout,
                  `${what}: no answer within ${deadlineMs} ms`,
                ),
              ),
            deadlineMs,
          );
        }),
      ]);
    } catch (err) {
      if (err instanceof ChainError) throw err;
      if (
        !this.#connected ||
        /disconnected|not connected|WebSocket/i.test(String((err as Error)?.message))
      ) {
        throw new ChainError(
          ChainErrorCode.Connection,
          `${what}: connection lost (${String((err as Error)?.message ?? err)})`,
          {
            cause: err,
          },
        );
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The raw @polkadot/api instance, for what this client does not cover. */
  get api(): ApiPromise {
    return this.#api;
  }

  get adapter(): RuntimeAdapter {
    return this.#adapter;
  }

  get isConnected(): boolean {
    return this.#connected;
  }

  /** Whether the client is connected now, and since when it has been connected or not. */
  connection(): ConnectionState {
    return { connected: this.#connected, sinceMs: this.#sinceMs };
  }

  /** Signs with the local nonce, sends and waits for inclusion (see `submitExtrinsic`). */
  submit(
    signer: KeyringPair,
    tx: SubmittableExtrinsic<'promise'>,
    options: SubmitOptions = {},
  ): Promise<TxReceipt> {
    return this.#call(
      'submit',
      (api, lost) =>
        submitExtrinsic(api, this.#nonces, signer, tx, { ...options, log: this.#log, lost }),
      null,
    );
  }

  // ---- queries -------------------------------------------------------------------------------

  blockNumber(): Promise<number> {
    return this.#call('blockNumber', async (api) =>
      (await api.rpc.chain.getHeader()).number.toNumber(),
    );
  }

  /** Free balance in rao. */
  balance(address: string): Promise<bigint> {
    return this.#call('balance', async (api) =>
      (await api.query.system.account(address)).data.free.toBigInt(),
    );
  }

  hyperparameters(netuid: number): Promise<SubnetHyperparameters> {
    return this.#call('hyperparameters', (api) => readHyperparameters(api, netuid));
  }

  /** The hotkey's uid on the subnet, or undefined when it is not registered. */
  uidForHotkey(netuid: number, hotkey: string): Promise<number | undefined> {
    return this.#call('uidForHotkey', async (api) => {
      const v = (await storage(api, 'uids')(netuid, hotkey)).toJSON();
      return v === null || v === undefined ? undefined : Number(v);
    });
  }

  /** Whether the subnet exists. */
  subnetExists(netuid: number): Promise<boolean> {
    return this.#call('subnetExists', async (api) =>
      Boolean((await storage(api, 'networksAdded')(netuid)).toJSON()),
    );
  }

  /**
   * A metagraph snapshot. `source: 'auto'` (default) uses the runtime API and falls back to
   * storage reads when the runtime lacks it or its answer cannot be decoded.
   */
  metagraph(
    netuid: number,
    options: { source?: 'auto' | 'runtime' | 'storage'; blockHash?: string } = {},
  ): Promise<Metagraph> {
    const source = options.source ?? 'auto';
    return this.#call('metagraph', async (api) => {
      if (source === 'storage' || (source === 'auto' && this.#adapter.neuronsLite === 'none')) {
        return metagraphFromStorage(api, netuid, options.blockHash);
      }
      try {
        return await metagraphFromRuntimeApi(api, this.#adapter, netuid, options.blockHash);
      } catch (err) {
        // A lost connection fails the storage reads too: no fallback for that.
        if (source === 'runtime' || !this.#connected) throw err;
        this.#log.debug({ err: String(err) }, 'runtime API metagraph failed; reading storage');
        return metagraphFromStorage(api, netuid, options.blockHash);
      }
    });
  }

  /**
   * Refreshes the metagraph every `everyBlocks` new blocks (and once at start), handing each
   * snapshot to `onUpdate`. Returns a function that stops it.
   */
  async watchMetagraph(
    netuid: number,
    options: {
      everyBlocks?: number;
      onUpdate: (mg: Metagraph) => void;
      onError?: (err: unknown) => void;
    },
  ): Promise<() => void> {
    const every = Math.max(1, options.everyBlocks ?? 1);
    let last = -Infinity;
    let busy = false;
    let stopped = false;
    const refresh = async (block: number) => {
      if (busy || stopped || block - last < every) return;
      busy = true;
      last = block;
      try {
        const mg = await this.metagraph(netuid);
        if (!stopped) options.onUpdate(mg);
      } catch (err) {
        options.onError?.(err);
      } finally {
        busy = false;
      }
    };
    const unsub = await this.#call('watchMetagraph', (api) =>
      api.rpc.chain.subscribeNewHeads((h) => {
        void refresh(h.number.toNumber());
      }),
    );
    return () => {
      stopped = true;
      unsub();
    };
  }

  /** Commits stored on chain for the hotkey on the subnet, oldest first. */
  storedCommits(netuid: number, hotkey: string): Promise<StoredCommit[]> {
    return this.#call('storedCommits', async (api) => {
      const v = (await storage(api, 'weightCommits')(netuid, hotkey)).toJSON() as unknown[] | null;
      return (v ?? []).map((c) => {
        const [hash, commitBlock, first, lastBlock] = c as [string, number, number, number];
        return {
          hash,
          commitBlock: Number(commitBlock),
          firstRevealBlock: Number(first),
          lastRevealBlock: Number(lastBlock),
        };
      });
    });
  }

  // ---- extrinsics ----------------------------------------------------------------------------

  /** `register_network` signed by the coldkey; resolves with the new netuid. */
  async registerNetwork(args: {
    coldkey: KeyringPair;
    hotkey: string;
    submit?: SubmitOptions;
  }): Promise<number> {
    const receipt = await this.submit(
      args.coldkey,
      this.#adapter.registerNetwork(args.hotkey),
      args.submit,
    );
    const ev = receipt.events.find((r) => isEvent(this.#api, r.event, 'NetworkAdded'));
    if (!ev)
      throw new ChainError(
        ChainErrorCode.Unsupported,
        'register_network emitted no NetworkAdded event',
      );
    return Number(ev.event.data[0]?.toString());
  }

  /** `burned_register` of the hotkey, paid by the coldkey; resolves with the uid. */
  async burnedRegister(args: {
    netuid: number;
    coldkey: KeyringPair;
    hotkey: string;
    submit?: SubmitOptions;
  }): Promise<number> {
    const tx = call(this.#api, 'burnedRegister')(args.netuid, args.hotkey);
    await this.submit(args.coldkey, tx, args.submit);
    const uid = await this.uidForHotkey(args.netuid, args.hotkey);
    if (uid === undefined)
      throw new ChainError(ChainErrorCode.NotRegistered, 'registered, but no uid found');
    return uid;
  }

  /** `serve_axon` signed by the hotkey, IPv4 or IPv6 (the SDK's encoding). */
  async serveAxon(args: ServeAxonArgs): Promise<TxReceipt> {
    const { ip, ipType } = ipToInt(args.ip);
    if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
      throw new ChainError(ChainErrorCode.InvalidArgument, `port ${args.port} is not a u16`);
    }
    const tx = call(this.#api, 'serveAxon')(
      args.netuid,
      args.version ?? Number(DEFAULT_VERSION_KEY),
      ip,
      args.port,
      ipType,
      args.protocol ?? 4,
      0,
      0,
    );
    return this.submit(args.hotkey, tx, args.submit);
  }

  /** `add_stake` of `amount` rao from the coldkey onto the hotkey on the subnet. */
  addStake(args: {
    netuid: number;
    coldkey: KeyringPair;
    hotkey: string;
    amount: bigint;
    submit?: SubmitOptions;
  }): Promise<TxReceipt> {
    const tx = call(this.#api, 'addStake')(args.hotkey, args.netuid, args.amount);
    return this.submit(args.coldkey, tx, args.submit);
  }

  /** The u16 vector the SDK would send for these floats on this subnet (reads n and limits). */
  async weightsForSubnet(
    netuid: number,
    uids: readonly number[],
    weights: readonly number[],
    process: boolean | { excludeQuantile?: number } = true,
  ): Promise<{ uids: number[]; values: number[] }> {
    if (process === false) return weightsForChain(uids, weights);
    const [hp, n] = await Promise.all([
      this.hyperparameters(netuid),
      this.#call('subnetworkN', async (api) =>
        Number((await storage(api, 'subnetworkN')(netuid)).toJSON()),
      ),
    ]);
    const opts: ProcessWeightsOptions = {
      numNeurons: n,
      minAllowedWeights: hp.minAllowedWeights,
      maxWeightLimit: hp.maxWeightsLimit / 65535,
      excludeQuantile: typeof process === 'object' ? (process.excludeQuantile ?? 0) : 0,
    };
    return weightsForChain(uids, weights, opts);
  }

  /**
   * Refuses, before anything is sent, what the chain would refuse for rate: the hotkey must be
   * registered and `WeightsSetRateLimit` blocks must have passed since its last update.
   */
  async #checkWeightsAllowed(
    netuid: number,
    hotkey: string,
    what: string,
  ): Promise<{ uid: number; hp: SubnetHyperparameters }> {
    const [uid, hp, head, lastUpdate] = await Promise.all([
      this.uidForHotkey(netuid, hotkey),
      this.hyperparameters(netuid),
      this.blockNumber(),
      this.#call(
        'lastUpdate',
        async (api) => (await storage(api, 'lastUpdate')(netuid)).toJSON() as number[],
      ),
    ]);
    if (uid === undefined) {
      throw new ChainError(
        ChainErrorCode.NotRegistered,
        `${what}: hotkey ${hotkey} is not registered on subnet ${netuid}`,
      );
    }
    const last = Number(lastUpdate[uid] ?? 0);
    // The chain checks at the block that will include it: head + 1.
    const since = head + 1 - last;
    if (last !== 0 && since < hp.weightsSetRateLimit) {
      throw new ChainError(
        ChainErrorCode.WeightsRateLimited,
        `${what}: subnet ${netuid} allows weights every ${hp.weightsSetRateLimit} blocks; uid ${uid} last set them at block ${last}, ${hp.weightsSetRateLimit - since} more block(s) to wait`,
      );
    }
    return { uid, hp };
  }

  /** `set_weights` with the SDK's processing; refused before sending inside the rate limit. */
  async setWeights(
    args: SetWeightsArgs,
  ): Promise<{ uids: number[]; values: number[]; receipt: TxReceipt }> {
    const { hp } = await this.#checkWeightsAllowed(args.netuid, args.hotkey.address, 'set_weights');
    if (hp.commitRevealWeightsEnabled) {
      throw new ChainError(
        ChainErrorCode.CommitRevealMismatch,
        `set_weights: subnet ${args.netuid} has commit-reveal on; use commitWeights then revealWeights`,
      );
    }
    const { uids, values } = await this.weightsForSubnet(
      args.netuid,
      args.uids,
      args.weights,
      args.process ?? true,
    );
    const tx = this.#adapter.setWeights({
      netuid: args.netuid,
      mecid: args.mecid ?? 0,
      uids,
      values,
      versionKey: args.versionKey ?? DEFAULT_VERSION_KEY,
    });
    const receipt = await this.submit(args.hotkey, tx, args.submit);
    return { uids, values, receipt };
  }

  /**
   * `commit_weights` of the hash of the processed weights with a fresh salt (or `salt`).
   * Keep the returned `PendingCommit` and pass it to `revealWeights` once the reveal window opens.
   */
  async commitWeights(args: SetWeightsArgs & { salt?: number[] }): Promise<PendingCommit> {
    const { hp } = await this.#checkWeightsAllowed(
      args.netuid,
      args.hotkey.address,
      'commit_weights',
    );
    if (!hp.commitRevealWeightsEnabled) {
      throw new ChainError(
        ChainErrorCode.CommitRevealMismatch,
        `commit_weights: subnet ${args.netuid} has commit-reveal off; use setWeights`,
      );
    }
    const { uids, values } = await this.weightsForSubnet(
      args.netuid,
      args.uids,
      args.weights,
      args.process ?? true,
    );
    const salt = args.salt ?? randomSalt();
    const versionKey = args.versionKey ?? DEFAULT_VERSION_KEY;
    const mecid = args.mecid ?? 0;
    const hash = commitHash({
      hotkey: args.hotkey.publicKey,
      netuid: args.netuid,
      mecid,
      uids,
      values,
      salt,
      versionKey,
    });
    const receipt = await this.submit(
      args.hotkey,
      this.#adapter.commitWeights({ netuid: args.netuid, mecid, hash }),
      args.submit,
    );
    return {
      netuid: args.netuid,
      mecid,
      hotkey: args.hotkey.address,
      uids,
      values,
      salt,
      versionKey,
      hash,
      block: receipt.blockNumber,
    };
  }

  /** `reveal_weights` of a commit made by `commitWeights`. */
  revealWeights(args: {
    hotkey: KeyringPair;
    commit: PendingCommit;
    submit?: SubmitOptions;
  }): Promise<TxReceipt> {
    const c = args.commit;
    const tx = this.#adapter.revealWeights({
      netuid: c.netuid,
      mecid: c.mecid,
      uids: c.uids,
      values: c.values,
      salt: c.salt,
      versionKey: c.versionKey,
    });
    return this.submit(args.hotkey, tx, args.submit);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    for (const w of this.#waiters.splice(0)) w();
    await this.#api?.disconnect().catch(() => undefined);
    await this.#provider.disconnect().catch(() => undefined);
  }
}
