import type { KeyringPair } from '@polkadot/keyring/types';
import { ipToInt } from '../axonIp.js';
import { ChainError, ChainErrorCode } from '../errors.js';
import { readHyperparameters, type SubnetHyperparameters } from '../hyperparameters.js';
import { type Metagraph, metagraphFromRuntimeApi, metagraphFromStorage } from '../metagraph.js';
import { ChainWeights } from '../weights/chainWeights.js';
import { DEFAULT_VERSION_KEY } from '../weights/versionKey.js';
import {
  ChainConnection,
  type ChainConnectionOptions,
  type ConnectionState,
} from './connection.js';
import { call, isEvent, storage } from './pallet.js';
import type { RuntimeAdapter } from './runtimeAdapter.js';
import type { SubmitOptions, TxReceipt } from './submit.js';

export type ChainClientOptions = ChainConnectionOptions;

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
 * Subtensor for the miner and the validator, in three parts: the connection (`ChainConnection`:
 * reconnects, deadlines, nonces, inclusion), the queries and account extrinsics here (metagraph,
 * hyperparameters, register, serve_axon, stake), and the weights (`weights`: whichever path the
 * runtime and the subnet ask for, prepared and sent in two steps so a caller can store a commit
 * before it is sent).
 */
export class ChainClient {
  readonly endpoint: string;
  readonly weights: ChainWeights;
  readonly #conn: ChainConnection;

  private constructor(conn: ChainConnection, options: ChainClientOptions) {
    this.#conn = conn;
    this.endpoint = conn.endpoint;
    this.weights = new ChainWeights(conn, {
      hyperparameters: (netuid) => this.hyperparameters(netuid),
      blockNumber: () => this.blockNumber(),
      uidForHotkey: (netuid, hotkey) => this.uidForHotkey(netuid, hotkey),
      ...(options.now ? { now: options.now } : {}),
    });
  }

  /** Connects (retrying with backoff until `connectTimeoutMs`) and loads the runtime metadata. */
  static async connect(options: ChainClientOptions = {}): Promise<ChainClient> {
    return new ChainClient(await ChainConnection.open(options), options);
  }

  /** The @polkadot/api instance, for tests and one-off tools; daemons use the methods here. */
  get api() {
    return this.#conn.api;
  }

  /** What the connected runtime has (decided from its metadata). */
  get runtime(): Pick<
    RuntimeAdapter,
    'specName' | 'specVersion' | 'hasStartCall' | 'hasMechanisms' | 'neuronsLite'
  > {
    return this.#conn.adapter;
  }

  get isConnected(): boolean {
    return this.#conn.isConnected;
  }

  /** Whether the client is connected now, and since when it has been connected or not. */
  connection(): ConnectionState {
    return this.#conn.state();
  }

  /** Signs with the local nonce, sends and waits for inclusion (see `submitExtrinsic`). */
  submit(...args: Parameters<ChainConnection['submit']>): Promise<TxReceipt> {
    return this.#conn.submit(...args);
  }

  // ---- queries -------------------------------------------------------------------------------

  blockNumber(): Promise<number> {
    return this.#conn.call('blockNumber', async (api) =>
      (await api.rpc.chain.getHeader()).number.toNumber(),
    );
  }

  /** Free balance in rao. */
  balance(address: string): Promise<bigint> {
    return this.#conn.call('balance', async (api) =>
      (await api.query.system.account(address)).data.free.toBigInt(),
    );
  }

  hyperparameters(netuid: number): Promise<SubnetHyperparameters> {
    return this.#conn.call('hyperparameters', (api) => readHyperparameters(api, netuid));
  }

  /** The hotkey's uid on the subnet, or undefined when it is not registered. */
  uidForHotkey(netuid: number, hotkey: string): Promise<number | undefined> {
    return this.#conn.call('uidForHotkey', async (api) => {
      const v = (await storage(api, 'uids')(netuid, hotkey)).toJSON();
      return v === null || v === undefined ? undefined : Number(v);
    });
  }

  /** Whether the subnet exists. */
  subnetExists(netuid: number): Promise<boolean> {
    return this.#conn.call('subnetExists', async (api) =>
      Boolean((await storage(api, 'networksAdded')(netuid)).toJSON()),
    );
  }

  /** The netuids of the subnets that exist, in order. */
  netuids(): Promise<number[]> {
    return this.#conn.call('netuids', async (api) => {
      const entries = await storage(api, 'networksAdded').entries();
      return entries
        .filter(([, added]) => Boolean(added.toJSON()))
        .map(([key]) => Number(key.args[0]?.toString()))
        .sort((a, b) => a - b);
    });
  }

  /**
   * A metagraph snapshot. `source: 'auto'` (default) reads storage, and falls back to the runtime
   * API (`get_neurons_lite`) where the runtime has it and the storage reads fail for any reason
   * but a lost connection or a subnet that does not exist (a storage item renamed by a newer
   * runtime, a value that does not decode). Both paths give the same snapshot
   * (test/devnet.test.ts, "metagraph paths").
   *
   * Storage first, by measurement (bench/metagraph.bench.ts, `pnpm --filter @subnet/chain bench`):
   * 2026-12-06, spec 293 in chopsticks, 2 shared cores, each sync at a new head, median of 7
   * warm rounds (5 for 64): 256 neurons, storage 559 ms, runtime API 844 ms (bittensor 10.5's lite
   * `Metagraph.sync` 1421 ms); 64 neurons, storage 118 ms, runtime API 448 ms (SDK 767 ms). An
   * earlier measurement on spec 218 found the runtime API 3.5x slower. Storage is the faster path
   * on both runtimes, although it sends more requests at one block hash (20, in 8 sequential round
   * trips, against 5 in 5 for the runtime API): chopsticks runs the runtime call in a wasm
   * interpreter, which a real node does not, so rerun the bench when a node can be measured.
   */
  metagraph(
    netuid: number,
    options: { source?: 'auto' | 'runtime' | 'storage'; blockHash?: string } = {},
  ): Promise<Metagraph> {
    const source = options.source ?? 'auto';
    return this.#conn.call('metagraph', async (api) => {
      const adapter = this.#conn.adapter;
      if (source === 'runtime') {
        return metagraphFromRuntimeApi(api, adapter, netuid, options.blockHash);
      }
      try {
        return await metagraphFromStorage(api, netuid, options.blockHash);
      } catch (err) {
        // A lost connection fails the runtime API too; a missing subnet is an answer.
        const noSubnet = err instanceof ChainError && err.code === ChainErrorCode.InvalidArgument;
        if (
          source === 'storage' ||
          adapter.neuronsLite === 'none' ||
          noSubnet ||
          !this.#conn.isConnected
        ) {
          throw err;
        }
        this.#conn.log.debug(
          { err: String(err) },
          'storage metagraph failed; asking the runtime API',
        );
        return metagraphFromRuntimeApi(api, adapter, netuid, options.blockHash);
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
    const unsub = await this.#conn.call('watchMetagraph', (api) =>
      api.rpc.chain.subscribeNewHeads((h) => {
        void refresh(h.number.toNumber());
      }),
    );
    return () => {
      stopped = true;
      unsub();
    };
  }

  // ---- extrinsics ----------------------------------------------------------------------------

  /** `register_network` signed by the coldkey; resolves with the new netuid. */
  async registerNetwork(args: {
    coldkey: KeyringPair;
    hotkey: string;
    submit?: SubmitOptions;
  }): Promise<number> {
    const receipt = await this.#conn.submit(
      args.coldkey,
      this.#conn.adapter.registerNetwork(args.hotkey),
      args.submit,
    );
    const ev = receipt.events.find((r) => isEvent(this.#conn.api, r.event, 'NetworkAdded'));
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
    const tx = call(this.#conn.api, 'burnedRegister')(args.netuid, args.hotkey);
    await this.#conn.submit(args.coldkey, tx, args.submit);
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
    const tx = call(this.#conn.api, 'serveAxon')(
      args.netuid,
      args.version ?? Number(DEFAULT_VERSION_KEY),
      ip,
      args.port,
      ipType,
      args.protocol ?? 4,
      0,
      0,
    );
    return this.#conn.submit(args.hotkey, tx, args.submit);
  }

  /** `add_stake` of `amount` rao from the coldkey onto the hotkey on the subnet. */
  addStake(args: {
    netuid: number;
    coldkey: KeyringPair;
    hotkey: string;
    amount: bigint;
    submit?: SubmitOptions;
  }): Promise<TxReceipt> {
    const tx = call(this.#conn.api, 'addStake')(args.hotkey, args.netuid, args.amount);
    return this.#conn.submit(args.coldkey, tx, args.submit);
  }

  close(): Promise<void> {
    return this.#conn.close();
  }
}
