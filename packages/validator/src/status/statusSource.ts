/**
 * Where the status page, `/healthz` and the storage gauges of `/metrics` read from: the storage
 * repositories (the truth that survives restarts), the validator's identity, how weights are
 * computed, and a view of the chain (endpoint, whether it is up, the newest metagraph's block and
 * neurons) when the daemon runs.
 */
import type { Neuron } from '@subnet/chain';
import type { WeightConfig } from '@subnet/scoring';
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
  /**
   * The newest metagraph's neurons: who holds a validator permit (a permit holder that never
   * answered as a miner is shown as a validator, not a miner), and each uid's last weights update
   * (ours is the chain's view of our weights).
   */
  neurons?: readonly NeuronView[];
  /** The subnet owner's hotkey, where it is known: shown apart from the miners. */
  ownerHotkey?: string;
}

/** What the status page reads of a metagraph neuron. */
export type NeuronView = Pick<Neuron, 'uid' | 'hotkey' | 'validatorPermit' | 'lastUpdate'>;

/** What the weight setter computes mechanism 0's weights with, so the page explains them alike. */
export interface Weighting {
  /** Share of emissions per task kind (default 1 each). */
  taskShares?: Readonly<Record<string, number>>;
  /** Default: the scoring package's. */
  config?: WeightConfig;
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
  weighting?: Weighting;
  now?: () => number;
}
