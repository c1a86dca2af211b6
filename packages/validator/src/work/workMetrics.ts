/**
 * What the work loop reports as it goes, for the daemon's Prometheus metrics (the status module
 * implements it). Every method is called synchronously and must not throw.
 */
import type { PeriodReport } from './periodWorkLoop';
import type { QueryOutcome } from './queryMiner';

export interface WorkMetrics {
  /** The outcomes of one query step (one or two miners, a fallback included). */
  queriesDone(outcomes: readonly QueryOutcome[]): void;
  /** Queries a period's deadline left unsent. */
  deadlineCutoffs(count: number): void;
  /** A period's work is folded. */
  periodDone(report: PeriodReport): void;
}
