/**
 * From the scores in storage to the float weight vector: the newest scoring period's scores per
 * uid and task kind become the scoring package's `TaskScores`, and `weightVector` turns them into
 * one weight per uid of the metagraph (the `miners` table).
 *
 * A period score's `components` may carry the four `TaskComponents` parts (`quality`,
 * `headToHead`, `speed`, `volume`); a missing `quality` is the row's `score`, a missing other part
 * is 0. So a work loop that writes only a scalar score per task gets weights proportional to it.
 */
import {
  type TaskComponents,
  type TaskScores,
  type WeightConfig,
  weightVector,
} from '@subnet/scoring';
import type { PeriodScore } from '../storage/scoresRepo';

export interface ScoredUids {
  /** The scoring period the scores come from. */
  period: number;
  uids: number[];
  /** One float per uid, summing to 1 (all 0 when nobody earned anything). */
  weights: number[];
}

/** Groups one period's rows by task kind; uids outside `uids` (no longer miners) are left out. */
export function taskScoresFromPeriod(
  rows: readonly PeriodScore[],
  uids: readonly number[],
  taskShares: Readonly<Record<string, number>> = {},
): TaskScores[] {
  const known = new Set(uids);
  const byTask = new Map<string, TaskComponents[]>();
  for (const row of rows) {
    if (!known.has(row.uid)) continue;
    const c = row.components;
    const list = byTask.get(row.taskKind) ?? [];
    list.push({
      uid: row.uid,
      quality: c.quality ?? row.score,
      headToHead: c.headToHead ?? 0,
      speed: c.speed ?? 0,
      volume: c.volume ?? 0,
    });
    byTask.set(row.taskKind, list);
  }
  return [...byTask.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([task, miners]) => ({ task, weight: taskShares[task] ?? 1, miners }));
}

/** The weight vector over `uids` for one period's rows. */
export function weightsFromPeriod(
  period: number,
  rows: readonly PeriodScore[],
  uids: readonly number[],
  options: { taskShares?: Readonly<Record<string, number>>; weightConfig?: WeightConfig } = {},
): ScoredUids {
  const tasks = taskScoresFromPeriod(rows, uids, options.taskShares);
  const vector = weightVector(uids, tasks, options.weightConfig);
  return { period, uids: [...uids], weights: Array.from(vector) };
}
