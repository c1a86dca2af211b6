/**
 * Replay protection, the SDK's rule for dendrites of version >= 7.2.0:
 * - per endpoint `{dendrite_hotkey}:{dendrite_uuid}`, a nonce must be greater than the last one
 *   accepted from that endpoint;
 * - the first nonce seen from an endpoint must be fresh: `nonce > now - 4 s - timeout`.
 *
 * Hardening beyond the SDK (the request is still accepted wherever the SDK accepts an honest one):
 * - the `timeout` header is not signed, so a replayer could inflate it to widen the freshness
 *   window; the timeout used here is capped (`maxTimeoutS`, default 60 s);
 * - dendrites older than 7.2.0 (no freshness window) are refused unless `allowLegacy` is set;
 * - memory is bounded: an endpoint is forgotten once its last nonce has left the freshness window
 *   (a replay of it would fail the freshness check anyway), and past `maxEndpoints` the least
 *   recently used endpoint is dropped (with `allowLegacy`, forgetting an endpoint re-opens replays
 *   of its old requests: one more reason to leave it off).
 *
 * `check` and `commit` are synchronous, so a check → verify → commit sequence with no await in
 * between cannot interleave with another request.
 */

export const ALLOWED_DELTA_NS = 4_000_000_000n;
export const NS_PER_S = 1_000_000_000n;
/** The SDK version (as its `version_as_int`) from which the freshness window applies. */
export const V_7_2_0 = 7_002_000;

export interface NonceWindowOptions {
  maxTimeoutS?: number;
  maxEndpoints?: number;
  allowLegacy?: boolean;
  /** Clock in ns since the epoch; injectable for tests. */
  now?: () => bigint;
}

export interface NonceCheck {
  dendriteHotkey: string;
  uuid: string;
  nonce: bigint;
  /** The dendrite's `version_as_int`; undefined when absent. */
  version: number | undefined;
  /** The synapse timeout in seconds (from the headers). */
  timeoutS: number | undefined;
}

export type NonceVerdict = { ok: true } | { ok: false; reason: string };

function timeoutNs(timeoutS: number | undefined, capS: number): bigint {
  const t =
    timeoutS !== undefined && Number.isFinite(timeoutS) && timeoutS > 0
      ? Math.min(timeoutS, capS)
      : 0;
  return BigInt(Math.round(t * 1e9));
}

export class NonceWindow {
  readonly #last = new Map<string, bigint>();
  readonly #maxTimeoutS: number;
  readonly #maxEndpoints: number;
  readonly #allowLegacy: boolean;
  readonly #now: () => bigint;
  #sweepAt = 0n;

  constructor(options: NonceWindowOptions = {}) {
    this.#maxTimeoutS = options.maxTimeoutS ?? 60;
    this.#maxEndpoints = options.maxEndpoints ?? 100_000;
    this.#allowLegacy = options.allowLegacy ?? false;
    this.#now = options.now ?? (() => BigInt(Date.now()) * 1_000_000n);
  }

  get size(): number {
    return this.#last.size;
  }

  static endpointKey(dendriteHotkey: string, uuid: string): string {
    return `${dendriteHotkey}:${uuid}`;
  }

  check(c: NonceCheck): NonceVerdict {
    const key = NonceWindow.endpointKey(c.dendriteHotkey, c.uuid);
    const stored = this.#last.get(key);
    const modern = c.version !== undefined && c.version >= V_7_2_0;
    if (!modern && !this.#allowLegacy) {
      return {
        ok: false,
        reason: `dendrite version ${c.version ?? 'missing'} is older than 7.2.0; upgrade the caller`,
      };
    }
    if (modern && stored === undefined) {
      const now = this.#now();
      const window = ALLOWED_DELTA_NS + timeoutNs(c.timeoutS, this.#maxTimeoutS);
      if (c.nonce <= now - window) {
        const age = Number(now - c.nonce) / 1e9;
        return {
          ok: false,
          reason: `Nonce is too old: acceptable delta is ${(Number(window) / 1e9).toFixed(2)} seconds but request was ${age.toFixed(2)} seconds old`,
        };
      }
    }
    if (stored !== undefined && c.nonce <= stored) {
      return { ok: false, reason: 'Nonce is too old, a newer one was last processed' };
    }
    return { ok: true };
  }

  /** Records an accepted nonce. Call only after the request fully verified. */
  commit(c: Pick<NonceCheck, 'dendriteHotkey' | 'uuid' | 'nonce'>): void {
    const key = NonceWindow.endpointKey(c.dendriteHotkey, c.uuid);
    this.#last.delete(key);
    this.#last.set(key, c.nonce);
    this.#sweep();
    if (this.#last.size > this.#maxEndpoints) this.#evictOldest();
  }

  #sweep(): void {
    const now = this.#now();
    if (now < this.#sweepAt) return;
    this.#sweepAt = now + NS_PER_S;
    const horizon = now - ALLOWED_DELTA_NS - BigInt(this.#maxTimeoutS) * NS_PER_S;
    for (const [key, nonce] of this.#last) {
      if (nonce <= horizon) this.#last.delete(key);
    }
  }

  #evictOldest(): void {
    // Entries are re-inserted on every commit, so the first one is the least recently used.
    const first = this.#last.keys().next().value;
    if (first !== undefined) this.#last.delete(first);
  }
}
