/**
 * Signature checks that arrive in the same turn of the event loop, verified together: schnorrkel's
 * batch verification costs about half a single check per signature (the native addon; on wasm it
 * is the same as one by one). A batch that fails says only that some signature in it is bad, so
 * its signatures are then checked one by one; after a failed batch the next `backoffTurns` turns
 * check one by one too, so a peer sending bad signatures on purpose costs at most one wasted batch
 * per backoff, never a doubling of the work.
 */
import type { PreparedSignature, SignatureVerifier } from './verifier';
import type { SignatureCheck } from './verifyRequest';

export interface BatchingVerifierOptions {
  /** Largest batch (default 32). */
  maxBatch?: number;
  /** Turns checked one by one after a batch failed (default 64). */
  backoffTurns?: number;
}

interface Pending {
  prepared: PreparedSignature;
  resolve(ok: boolean): void;
}

export class BatchingVerifier implements SignatureCheck {
  readonly #verifier: SignatureVerifier;
  readonly #maxBatch: number;
  readonly #backoffTurns: number;
  #pending: Pending[] = [];
  #scheduled = false;
  #singleTurns = 0;
  /** Batches that verified whole, and batches that failed (for tests and metrics). */
  readonly stats = { batches: 0, failedBatches: 0, singles: 0 };

  constructor(verifier: SignatureVerifier, options: BatchingVerifierOptions = {}) {
    this.#verifier = verifier;
    this.#maxBatch = Math.max(2, Math.min(options.maxBatch ?? 32, 1024));
    this.#backoffTurns = Math.max(0, options.backoffTurns ?? 64);
  }

  get backend(): string {
    return this.#verifier.backend;
  }

  verify(message: string | Uint8Array, signatureHex: string, address: string): Promise<boolean> {
    const prepared = this.#verifier.prepare(message, signatureHex, address);
    if (!prepared) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.#pending.push({ prepared, resolve });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const all = this.#pending;
    this.#pending = [];
    const batching = this.#singleTurns === 0 && this.#verifier.backend === 'native';
    if (this.#singleTurns > 0) this.#singleTurns--;
    for (let at = 0; at < all.length; at += this.#maxBatch) {
      const batch = all.slice(at, at + this.#maxBatch);
      if (batching && batch.length > 1) {
        if (this.#verifier.verifyPreparedBatch(batch.map((p) => p.prepared))) {
          this.stats.batches++;
          for (const p of batch) p.resolve(true);
          continue;
        }
        this.stats.failedBatches++;
        this.#singleTurns = this.#backoffTurns;
      }
      for (const p of batch) {
        this.stats.singles++;
        p.resolve(this.#verifier.verifyPrepared(p.prepared));
      }
    }
  }
}
