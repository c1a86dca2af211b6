import { DEFAULT_SCORING_CONFIG, type HistoryConfig } from '../config.js';

/** A check's score with its hard penalty, as the check functions return them. */
export interface ScoredCheck {
  readonly score: number;
  readonly penalty: number;
}

/** A period's score from its checks: mean of score + penalty (0 with no checks). */
export function periodScore(checks: readonly ScoredCheck[]): number {
  if (checks.length === 0) return 0;
  return checks.reduce((sum, c) => sum + c.score + c.penalty, 0) / checks.length;
}

/**
 * Decayed history of period scores, newest first: sum decay^k s_k / sum decay^k.
 * A non-finite score counts as 0.
 */
export function decayedHistory(
  newestFirst: readonly number[],
  config: HistoryConfig = DEFAULT_SCORING_CONFIG.history,
): number {
  let weight = 1;
  let sum = 0;
  let norm = 0;
  for (const s of newestFirst) {
    sum += weight * (Number.isFinite(s) ? s : 0);
    norm += weight;
    weight *= config.periodDecay;
  }
  return norm === 0 ? 0 : sum / norm;
}
