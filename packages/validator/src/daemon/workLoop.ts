/**
 * The seam between the daemon and the work loop (synthetic tasks, scheduling, querying miners,
 * checking, scoring). Once per scoring period the daemon calls `runPeriod`; the scores it returns
 * are written to storage, and the weights are set from storage.
 */
import type { Metagraph } from '@subnet/chain';
import type { TaskKind } from '@subnet/protocol/tasks';
import type { Logger } from 'pino';
import type { Repositories } from '../storage/openStorage';
import type { PeriodScore } from '../storage/scoresRepo';

export interface PeriodContext {
  /** The period's number: `floor(block / periodBlocks)`. */
  readonly period: number;
  /** First block of the period and its length in blocks. */
  readonly startBlock: number;
  readonly periodBlocks: number;
  /** The newest metagraph in storage when the period began. */
  readonly metagraph: Metagraph;
  readonly storage: Repositories;
  /** Aborted when the daemon stops: finish quickly and return what was scored. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

export interface PeriodScores {
  readonly period: number;
  readonly scores: readonly PeriodScore[];
}

export interface WorkLoop {
  runPeriod(ctx: PeriodContext): Promise<PeriodScores>;
  /**
   * Organic work takes from the period's budget: the miner with the most spare capacity for one
   * task of the kind (outside `exclude`), whose next planned synthetic query of the kind is
   * dropped; undefined when no plan is running or nobody has room.
   */
  takeOrganic?(kind: TaskKind, exclude: readonly number[]): number | undefined;
  /**
   * Whether the validator's copy of an image model takes no guidance (a Flux-class model without
   * a guidance embedding): its tasks run at `cfg_scale` 1.
   */
  unguided?(model: string): boolean;
}
