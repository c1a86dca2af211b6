import { ApiPromise, WsProvider } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import { ChainError, ChainErrorCode } from '../errors.js';
import { type Logger, moduleLogger } from '../log.js';
import { type NetworkName, resolveEndpoint } from '../networks.js';
import { NonceTracker } from './nonceTracker.js';
import { type RuntimeAdapter, runtimeAdapter } from './runtimeAdapter.js';
import { type SubmitOptions, submitExtrinsic, type TxReceipt } from './submit.js';

export interface ChainConnectionOptions {
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

/**
 * One connection to a subtensor node: reconnects with backoff, tracks nonces locally, waits for
 * inclusion and turns dispatch errors into typed `ChainError`s. The queries (`ChainClient`) and
 * the weights (`ChainWeights`) run through it.
 *
 * Through an outage: every call fails within a bounded time (`connectTimeoutMs` waiting for the
 * connection, `callTimeoutMs` for a query once sent, and a submission waiting for inclusion fails
 * with `CHAIN_CONNECTION` as soon as the connection drops, since its status subscription is not
 * resumed; the extrinsic may still land, and `ChainWeights.outcome` reads whether it did).
 * Disconnects and reconnects are both logged.
 */
export class ChainConnection {
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

  private constructor(endpoint: string, options: ChainConnectionOptions) {
    this.endpoint = endpoint;
    this.#log = moduleLogger('chain', options.logger);
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
  static async open(options: ChainConnectionOptions = {}): Promise<ChainConnection> {
    const conn = new ChainConnection(resolveEndpoint(options.network ?? 'local'), options);
    try {
      await conn.#start();
    } catch (err) {
      // Nothing may keep dialling (or hold a socket) once the caller has been told it failed.
      await conn.close();
      throw err;
    }
    return conn;
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
  async call<T>(
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

  /** The @polkadot/api instance (decorated from the connected runtime's metadata). */
  get api(): ApiPromise {
    return this.#api;
  }

  get adapter(): RuntimeAdapter {
    return this.#adapter;
  }

  get log(): Logger {
    return this.#log;
  }

  get isConnected(): boolean {
    return this.#connected;
  }

  /** Whether it is connected now, and since when it has been connected or not. */
  state(): ConnectionState {
    return { connected: this.#connected, sinceMs: this.#sinceMs };
  }

  /** Signs with the local nonce, sends and waits for inclusion (see `submitExtrinsic`). */
  submit(
    signer: KeyringPair,
    tx: SubmittableExtrinsic<'promise'>,
    options: SubmitOptions = {},
  ): Promise<TxReceipt> {
    return this.call(
      'submit',
      (api, lost) =>
        submitExtrinsic(api, this.#nonces, signer, tx, { ...options, log: this.#log, lost }),
      null,
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    for (const w of this.#waiters.splice(0)) w();
    await this.#api?.disconnect().catch(() => undefined);
    await this.#provider.disconnect().catch(() => undefined);
  }
}
