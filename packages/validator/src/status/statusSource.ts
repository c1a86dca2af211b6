/**
 * Where the status page, `/healthz` and the storage gauges of `/metrics` read from: the storage
 * repositories (the truth that survives restarts), the validator's identity, and a view of the
 * chain connection (endpoint and the block of the newest metagraph) when the daemon runs.
 */
import type { Repositories } from '../storage/openStorage';
import type { StorageEngine } from '../storage/sqlClient';

export interface ChainView {
  /** The subtensor endpoint the validator is connected to. */
  endpoint: string;
  /** The block of the newest metagraph the daemon has seen, if any yet. */
  block: number | undefined;
}

export interface StatusSource {
  storage: Repositories;
  /** Shown on `/healthz` (`pglite` or `postgres`). */
  engine?: StorageEngine;
  netuid: number;
  validator: { hotkey: string; uid: number | undefined };
  chain?: () => ChainView;
  now?: () => number;
}
