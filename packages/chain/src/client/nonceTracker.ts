import type { ApiPromise } from '@polkadot/api';

/**
 * Local nonce tracking, so that back-to-back extrinsics from one key do not collide
 * (`1010: Invalid Transaction: Transaction is outdated / stale`). The first use of an address
 * asks the chain (`system_accountNextIndex`, which counts the pool too); later ones count up
 * locally. Submissions from one address are serialized through `withNonce`.
 */
export class NonceTracker {
  readonly #next = new Map<string, number>();
  readonly #locks = new Map<string, Promise<unknown>>();

  /**
   * Runs `fn` with the next nonce of `address`, one at a time per address. When `fn` throws,
   * the cached nonce is dropped and asked of the chain again next time.
   */
  async withNonce<T>(
    api: ApiPromise,
    address: string,
    fn: (nonce: number) => Promise<T>,
  ): Promise<T> {
    const prev = this.#locks.get(address) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const chained = prev.then(() => mine);
    this.#locks.set(address, chained);
    await prev.catch(() => undefined);
    try {
      let nonce = this.#next.get(address);
      if (nonce === undefined) {
        nonce = (await api.rpc.system.accountNextIndex(address)).toNumber();
      }
      try {
        const out = await fn(nonce);
        this.#next.set(address, nonce + 1);
        return out;
      } catch (err) {
        this.#next.delete(address);
        throw err;
      }
    } finally {
      release();
      if (this.#locks.get(address) === chained) this.#locks.delete(address);
    }
  }

  /** Marks a nonce as used once the extrinsic reached the pool (it counts even if dispatch fails). */
  used(address: string, nonce: number): void {
    const cur = this.#next.get(address);
    if (cur === undefined || cur <= nonce) this.#next.set(address, nonce + 1);
  }

  /** Forgets every cached nonce, e.g. after a reconnect to a chain that may have been reset. */
  reset(): void {
    this.#next.clear();
  }
}
