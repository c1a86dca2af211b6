/**
 * Where the status page, `/healthz` and the storage gauges of `/metrics` read from: the storage
 * repositories (the truth that survives restarts), the validator's identity, and a view of the
 * chain connection (endpoint, whether it is up, and the block of the newest metagraph) when the
 * daemon runs.
 */
import type { Repositories } from '../storage/openStorage';
import type { StorageEngine } from '../storage/sqlClient';

export interface ChainView {
  /** The subtensor endpoint the validator is connected to. */
  endpoint: string;
  /** The block of the newest metagraph the daemon has seen, if any yet. */
  block: number | undefined;
  /**
   * Whether the connection is up now, and since when (epoch ms) it has been up or down; a chain
   * client's `connection()`. `/healthz` fails `chain` while it is down.
   */
  connection?: { connected: boolean; sinceMs: number };
}

export interface StatusSource {
  storage: Repositories;
  /** Shown on `/healthz` (`pglite` or `postgres`). */
  engine?: StorageEngine;
  netuid: number;
  validator: { hotkey: string; uid: number | undefined };
  chain?: () => ChainView;
  /**
   * The scoring period, for `/healthz`'s liveness parts: its length in blocks, the block time,
   * and how many periods may pass without a period handled or weights set.
   */
  period?: { blocks: number; blockMs: number; stalePeriods: number };
  now?: () => number;
}
