/**
 * sr25519 on worker threads, so an axon's signature checks and answer signatures use every core
 * while its own thread parses, admits and answers. The cheap checks and the key decode stay on
 * the caller's thread (`SignatureVerifier.prepare`); the workers run only schnorrkel.
 *
 * Jobs that arrive in one turn of the event loop go out together, one message per worker, their
 * bytes in transferred buffers. A pool that is past `maxQueued` jobs, or has lost a worker, does
 * the work inline instead: a flood slows the axon down, it never makes it answer wrongly. A
 * worker that dies is replaced (a few times a minute at most) and its jobs are redone inline.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Hotkey } from './keys';
import { signatureToHex } from './keys';
import { type PreparedSignature, SignatureVerifier } from './verifier';
import type { SignatureCheck } from './verifyRequest';

export interface CryptoPoolOptions {
  /** Worker threads (at least 1). */
  threads: number;
  /** Guards and key cache on this thread (default: a new `SignatureVerifier`). */
  verifier?: SignatureVerifier;
  /** The axon's hotkey, to sign answers on the workers (it must expose its secret). */
  signer?: Hotkey;
  /** Jobs waiting or running past which new ones run inline (default 4096). */
  maxQueued?: number;
}

interface Job {
  kind: 0 | 1;
  key: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
  resolve(ok: boolean, signature: Uint8Array): void;
}

interface Slot {
  worker: Worker;
  /** Batches sent and not answered, by id. */
  inFlight: Map<number, Job[]>;
  jobs: number;
}

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
const RESPAWNS_PER_MINUTE = 5;

export class CryptoPool implements SignatureCheck {
  readonly threads: number;
  readonly #verifier: SignatureVerifier;
  readonly #signer: Hotkey | undefined;
  readonly #maxQueued: number;
  readonly #slots: Slot[] = [];
  #queue: Job[] = [];
  #flushScheduled = false;
  #nextBatch = 0;
  #queued = 0;
  #respawns: number[] = [];
  #closed = false;

  constructor(options: CryptoPoolOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1 || options.threads > 256) {
      throw new RangeError(
        `CryptoPool threads must be an integer in 1..256, got ${options.threads}`,
      );
    }
    this.threads = options.threads;
    this.#verifier = options.verifier ?? new SignatureVerifier();
    this.#signer = options.signer;
    this.#maxQueued = options.maxQueued ?? 4096;
    for (let i = 0; i < options.threads; i++) this.#slots.push(this.#spawn());
  }

  /** The address answers are signed for (the axon's hotkey), when built with a signer. */
  get signerAddress(): string | undefined {
    return this.#signer?.address;
  }

  /** Which schnorrkel build the workers run (the verifier's: native addon or wasm). */
  get backend(): string {
    return this.#verifier.backend;
  }

  /** True when `signatureHex` is `address`'s sr25519 signature of `message` (as `SignatureVerifier`). */
  verify(message: string | Uint8Array, signatureHex: string, address: string): Promise<boolean> {
    const prepared = this.#verifier.prepare(message, signatureHex, address);
    if (!prepared) return Promise.resolve(false);
    return this.#submit(0, prepared).then(([ok]) => ok);
  }

  /** The pool signer's `0x`-hex signature of `message`. */
  async sign(message: string): Promise<string> {
    const signer = this.#signer;
    if (!signer) throw new Error('this CryptoPool was built without a signer');
    if (!signer.secretKey) return signatureToHex(signer.sign(message));
    const [ok, signature] = await this.#submit(1, {
      key: signer.publicKey,
      message: encoder.encode(message),
      signature: new Uint8Array(64),
    });
    return ok ? signatureToHex(signature) : signatureToHex(signer.sign(message));
  }

  /** Stops the workers; later calls run inline. */
  async close(): Promise<void> {
    this.#closed = true;
    const slots = this.#slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
    for (const s of slots) this.#redoInline(s);
  }

  #submit(kind: 0 | 1, p: PreparedSignature): Promise<[boolean, Uint8Array]> {
    return new Promise((resolve) => {
      const job: Job = {
        kind,
        key: p.key,
        message: p.message,
        signature: p.signature,
        resolve: (ok, signature) => resolve([ok, signature]),
      };
      if (this.#closed || this.#slots.length === 0 || this.#queued >= this.#maxQueued) {
        this.#runInline(job);
        return;
      }
      this.#queued++;
      this.#queue.push(job);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    const jobs = this.#queue;
    this.#queue = [];
    if (jobs.length === 0) return;
    if (this.#slots.length === 0) {
      for (const job of jobs) this.#finishInline(job);
      return;
    }
    // Spread the turn's jobs over the workers, least loaded first.
    const slots = [...this.#slots].sort((a, b) => a.jobs - b.jobs);
    const per = Math.ceil(jobs.length / slots.length);
    for (let i = 0; i < slots.length && i * per < jobs.length; i++) {
      this.#send(slots[i] as Slot, jobs.slice(i * per, (i + 1) * per));
    }
  }

  #send(slot: Slot, jobs: Job[]): void {
    const n = jobs.length;
    const kinds = new Uint8Array(n);
    const keys = new Uint8Array(32 * n);
    const sigs = new Uint8Array(64 * n);
    const ends = new Uint32Array(n);
    let total = 0;
    for (const job of jobs) total += job.message.length;
    const messages = new Uint8Array(total);
    let at = 0;
    jobs.forEach((job, i) => {
      kinds[i] = job.kind;
      keys.set(job.key, 32 * i);
      if (job.kind === 0) sigs.set(job.signature, 64 * i);
      messages.set(job.message, at);
      at += job.message.length;
      ends[i] = at;
    });
    const id = ++this.#nextBatch;
    slot.inFlight.set(id, jobs);
    slot.jobs += n;
    slot.worker.postMessage({ id, kinds, keys, messages, ends, sigs }, [
      kinds.buffer,
      keys.buffer,
      messages.buffer,
      ends.buffer,
      sigs.buffer,
    ]);
  }

  #spawn(): Slot {
    const url = new URL('./cryptoWorker.mjs', import.meta.url);
    const addonPath = this.#verifier.addonPath;
    const secret = this.#signer?.secretKey?.();
    const worker = new Worker(url, {
      workerData: {
        addonPath: addonPath && existsSync(addonPath) ? addonPath : undefined,
        signer:
          secret && this.#signer ? { publicKey: this.#signer.publicKey, secretKey: secret } : null,
      },
      // The worker is plain JavaScript: no TypeScript loader needed in it.
      execArgv: [],
    });
    worker.unref();
    const slot: Slot = { worker, inFlight: new Map(), jobs: 0 };
    worker.on('message', (m: { id: number; ok: Uint8Array; sigs: Uint8Array }) => {
      const jobs = slot.inFlight.get(m.id);
      if (!jobs) return;
      slot.inFlight.delete(m.id);
      slot.jobs -= jobs.length;
      this.#queued -= jobs.length;
      jobs.forEach((job, i) => {
        job.resolve(m.ok[i] === 1, job.kind === 1 ? m.sigs.slice(64 * i, 64 * i + 64) : EMPTY);
      });
    });
    const lost = () => {
      const at = this.#slots.indexOf(slot);
      if (at < 0) return;
      this.#slots.splice(at, 1);
      this.#redoInline(slot);
      const now = Date.now();
      this.#respawns = this.#respawns.filter((t) => now - t < 60_000);
      if (!this.#closed && this.#respawns.length < RESPAWNS_PER_MINUTE) {
        this.#respawns.push(now);
        this.#slots.push(this.#spawn());
      }
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    return slot;
  }

  #redoInline(slot: Slot): void {
    for (const jobs of slot.inFlight.values()) for (const job of jobs) this.#finishInline(job);
    slot.inFlight.clear();
    slot.jobs = 0;
  }

  #finishInline(job: Job): void {
    this.#queued--;
    this.#runInline(job);
  }

  #runInline(job: Job): void {
    if (job.kind === 0) {
      job.resolve(this.#verifier.verifyPrepared(job), EMPTY);
      return;
    }
    const signer = this.#signer;
    job.resolve(signer !== undefined, signer ? signer.sign(job.message) : EMPTY);
  }
}
