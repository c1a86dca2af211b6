/**
 * The load client's signing threads and its per-connection queues of signed requests. sr25519
 * signing costs the client about as much CPU as verifying costs the axon, so it runs off the
 * sending thread: all of it before the timed phase (`presign`), or ahead of the sender while it
 * runs (`keepAhead`, for runs too long to pre-sign: the axon only accepts a dendrite's first
 * nonce within 4 s + the synapse timeout of its signing, see protocol's nonceWindow.ts and the
 * SDK's `default_verify`).
 */
import { Worker } from 'node:worker_threads';
import type { AxonTarget } from '@subnet/protocol';
import type { PreparedRequest } from './requestMix';
import type { SignerCommand, SignerConfig, SignerMessage } from './signerWorker';

const WORKER_ENTRY = new URL('./signerWorker.ts', import.meta.url).href;
const READY_TIMEOUT_MS = 60_000;

/** A FIFO of one connection's signed requests; `take` waits when it is empty. */
export class ConnQueue {
  #items: PreparedRequest[] = [];
  #head = 0;
  readonly #waiters: Array<(p: PreparedRequest) => void> = [];

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(p: PreparedRequest): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(p);
    else this.#items.push(p);
  }

  take(): PreparedRequest | Promise<PreparedRequest> {
    if (this.#waiters.length === 0 && this.#head < this.#items.length) {
      const p = this.#items[this.#head++] as PreparedRequest;
      if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      return p;
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

interface Signer {
  worker: Worker;
  connections: number[];
  busy: Promise<void> | undefined;
  done: (() => void) | undefined;
  fail: ((e: Error) => void) | undefined;
}

/** Starts a TypeScript worker through tsx (workers do not inherit `--import tsx` on Node 20). */
function startWorker(config: SignerConfig): Worker {
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(WORKER_ENTRY)}, ${JSON.stringify(WORKER_ENTRY)}))`;
  return new Worker(code, { eval: true, workerData: config });
}

export interface SignerPoolOptions {
  target: AxonTarget;
  connections: number;
  threads: number;
  invalidFraction: number;
}

export class SignerPool {
  readonly queues: ConnQueue[];
  readonly #signers: Signer[];
  #failure: Error | undefined;

  private constructor(queues: ConnQueue[], signers: Signer[]) {
    this.queues = queues;
    this.#signers = signers;
  }

  static async start(o: SignerPoolOptions): Promise<SignerPool> {
    const queues = Array.from({ length: o.connections }, () => new ConnQueue());
    const threads = Math.max(1, Math.min(o.threads, o.connections));
    const signers: Signer[] = Array.from({ length: threads }, (_, t) => {
      const connections: number[] = [];
      for (let c = t; c < o.connections; c += threads) connections.push(c);
      const config = { target: o.target, connections, invalidFraction: o.invalidFraction };
      return {
        worker: startWorker(config),
        connections,
        busy: undefined,
        done: undefined,
        fail: undefined,
      };
    });
    const pool = new SignerPool(queues, signers);
    await Promise.all(signers.map((s) => pool.#listen(s)));
    return pool;
  }

  /** Resolves once the worker is ready; afterwards routes its batches into the queues. */
  #listen(s: Signer): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`a signing thread was not ready within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
      s.worker.on('message', (m: SignerMessage) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (m.type === 'batch') {
          for (const p of m.items) this.queues[p.conn]?.push(p);
        } else {
          s.busy = undefined;
          s.done?.();
        }
      });
      const failed = (e: Error) => {
        clearTimeout(timer);
        this.#failure ??= e;
        s.fail?.(e);
        reject(e);
      };
      s.worker.on('error', failed);
      s.worker.on('exit', (code) => failed(new Error(`a signing thread exited (${code})`)));
    });
  }

  /** Signs `perConn(c)` more requests for every connection c; resolves when all are queued. */
  async sign(perConn: (conn: number) => number): Promise<void> {
    await Promise.all(this.#signers.map((s) => this.#ask(s, s.connections.map(perConn))));
  }

  #ask(s: Signer, counts: number[]): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    s.busy = new Promise<void>((resolve, reject) => {
      s.done = resolve;
      s.fail = reject;
    });
    s.worker.postMessage({ type: 'sign', counts } satisfies SignerCommand);
    return s.busy;
  }

  /**
   * Keeps every connection at least `low` requests ahead (filling to twice that): each idle
   * signing thread whose connections run low is asked for more. Call it often while sending.
   */
  keepAhead(low: number): void {
    if (this.#failure) throw this.#failure;
    for (const s of this.#signers) {
      if (s.busy) continue;
      const lengths = s.connections.map((c) => this.queues[c]?.length ?? 0);
      if (Math.min(...lengths) >= low) continue;
      this.#ask(
        s,
        lengths.map((n) => Math.max(0, 2 * low - n)),
      ).catch(() => {}); // the failure is kept and thrown by the next call
    }
  }

  async close(): Promise<void> {
    this.#failure ??= new Error('the signer pool is closed');
    await Promise.all(this.#signers.map((s) => s.worker.terminate()));
  }
}
