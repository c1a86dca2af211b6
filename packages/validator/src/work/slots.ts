/**
 * A counting semaphore with abortable waits: how the period bounds the queries and checks it runs
 * at once. Waiters are served first come, first served; a waiter whose signal aborts leaves the
 * queue (and its `take` resolves false, its `run` rejects) without taking a slot.
 */

export class SlotsAborted extends Error {
  override readonly name = 'SlotsAborted';
}

export class Slots {
  readonly size: number;
  #busy = 0;
  readonly #waiters: Array<() => void> = [];
  /**
   * The waiters of each signal, so that a signal carries one listener however many waiters share
   * it (a period's hundreds of checks would otherwise each add one).
   */
  readonly #bySignal = new WeakMap<AbortSignal, Set<() => void>>();

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('slots: size must be >= 1');
    this.size = size;
  }

  get busy(): number {
    return this.#busy;
  }

  /** Waiters not yet granted a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Takes a slot now if one is free. */
  tryTake(): boolean {
    if (this.#busy >= this.size) return false;
    this.#busy++;
    return true;
  }

  /** Waits for a slot; false when `signal` aborted first (no slot taken). */
  take(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.tryTake()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const aborted = () => {
        const i = this.#waiters.indexOf(grant);
        if (i >= 0) this.#waiters.splice(i, 1);
        resolve(false);
      };
      const grant = () => {
        if (signal) this.#bySignal.get(signal)?.delete(aborted);
        resolve(true);
      };
      this.#waiters.push(grant);
      if (signal) this.#onAbort(signal, aborted);
    });
  }

  #onAbort(signal: AbortSignal, fn: () => void): void {
    let set = this.#bySignal.get(signal);
    if (!set) {
      const waiters = new Set<() => void>();
      set = waiters;
      this.#bySignal.set(signal, waiters);
      signal.addEventListener(
        'abort',
        () => {
          for (const f of [...waiters]) f();
          waiters.clear();
        },
        { once: true },
      );
    }
    set.add(fn);
  }

  /** Gives a slot back (to the first waiter, if any). */
  give(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#busy = Math.max(0, this.#busy - 1);
  }

  /** Runs `fn` in a slot; rejects with `SlotsAborted` when `signal` aborts before one is free. */
  async run<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    if (!(await this.take(signal))) throw new SlotsAborted('aborted while waiting for a slot');
    try {
      return await fn();
    } finally {
      this.give();
    }
  }
}
