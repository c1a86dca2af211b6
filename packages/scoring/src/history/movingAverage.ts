import { DEFAULT_SCORING_CONFIG, type HistoryConfig } from '../config.js';
import { ScoringError } from '../errors.js';

export interface UidAverage {
  readonly hotkey: string;
  readonly value: number;
  readonly periods: number;
}

/** Moving averages by uid. Never mutated: every update returns a new map. */
export type MovingAverages = ReadonlyMap<number, UidAverage>;

export interface PeriodObservation {
  readonly uid: number;
  readonly hotkey: string;
  readonly score: number;
}

/**
 * Folds one period's scores into the per-uid exponential moving average
 * (`v <- alpha * score + (1 - alpha) * v`, starting from 0 so a new miner earns its way up).
 * A uid whose hotkey changed (deregistered and taken by someone else) starts again from 0;
 * uids without an observation keep their value.
 */
export function updateMovingAverages(
  previous: MovingAverages,
  observations: readonly PeriodObservation[],
  config: HistoryConfig = DEFAULT_SCORING_CONFIG.history,
): MovingAverages {
  const next = new Map(previous);
  const seen = new Set<number>();
  for (const { uid, hotkey, score } of observations) {
    if (!Number.isFinite(score)) {
      throw new ScoringError('SCORING_INPUT_INVALID', `score of uid ${uid} is not finite`);
    }
    if (seen.has(uid))
      throw new ScoringError('SCORING_INPUT_INVALID', `uid ${uid} observed twice in one period`);
    seen.add(uid);
    const before = previous.get(uid);
    const base =
      before !== undefined && before.hotkey === hotkey ? before : { value: 0, periods: 0 };
    const alpha = config.movingAverageAlpha;
    next.set(uid, {
      hotkey,
      value: alpha * score + (1 - alpha) * base.value,
      periods: base.periods + 1,
    });
  }
  return next;
}

/** Forgets uids whose hotkey no longer matches the metagraph (a replaced miner). */
export function resetChangedHotkeys(
  averages: MovingAverages,
  hotkeys: ReadonlyMap<number, string>,
): MovingAverages {
  const next = new Map<number, UidAverage>();
  for (const [uid, average] of averages) {
    if (hotkeys.get(uid) === average.hotkey) next.set(uid, average);
  }
  return next;
}
