import { DEFAULT_SCORING_CONFIG, type WeightConfig } from '../config.js';
import { ScoringError } from '../errors.js';

/** A miner's components on one task, each already in [0, 1] except `quality` (may be < 0). */
export interface TaskComponents {
  readonly uid: number;
  /** Moving-average check score (penalties included; <= 0 earns nothing on the task). */
  readonly quality: number;
  /** Head-to-head reward mapped into [0, 1] (see `headToHeadShares`). */
  readonly headToHead: number;
  readonly speed: number;
  readonly volume: number;
}

export interface TaskScores {
  readonly task: string;
  /** The task's share of emissions (any non-negative number; shares are normalised). */
  readonly weight: number;
  readonly miners: readonly TaskComponents[];
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, Number.isFinite(x) ? x : 0));

/** Maps fitted Bradley-Terry rewards into [0, 1] with a logistic curve (0 reward -> 0.5). */
export function headToHeadShares(rewards: ArrayLike<number>): number[] {
  return Array.from(rewards, (r) => 1 / (1 + Math.exp(-r)));
}

/**
 * A miner's score on one task: its quality times the weighted components,
 * `quality * (wq + wh*headToHead + ws*speed + wv*volume) / (wq + wh + ws + wv)`, so speed,
 * volume and head-to-head pay only in proportion to checked quality (a miner whose answers fail
 * their checks is not paid for answering fast or often); 0 when its quality is not positive.
 */
export function taskScore(
  m: TaskComponents,
  config: WeightConfig = DEFAULT_SCORING_CONFIG.weights,
): number {
  if (!(m.quality > 0)) return 0;
  const total =
    config.qualityWeight + config.headToHeadWeight + config.speedWeight + config.volumeWeight;
  if (total === 0) return 0;
  return (
    (clamp01(m.quality) *
      (config.qualityWeight +
        config.headToHeadWeight * clamp01(m.headToHead) +
        config.speedWeight * clamp01(m.speed) +
        config.volumeWeight * clamp01(m.volume))) /
    total
  );
}

/**
 * The weight vector over `uids`: each task's scores are normalised within the task and scaled
 * by the task's share, summed per uid, sharpened (raised to `sharpenExponent`) and normalised
 * to sum 1. All zeros when nobody earned anything. Ready for the chain package's processing
 * (u16 quantisation, max-weight limits).
 */
export function weightVector(
  uids: readonly number[],
  tasks: readonly TaskScores[],
  config: WeightConfig = DEFAULT_SCORING_CONFIG.weights,
): Float64Array {
  const index = new Map(uids.map((uid, i) => [uid, i]));
  const raw = new Float64Array(uids.length);
  const taskTotal = tasks.reduce((s, t) => s + Math.max(0, t.weight), 0);
  if (!(taskTotal > 0)) return raw;
  for (const task of tasks) {
    if (!(task.weight > 0)) continue;
    const scores = task.miners.map((m) => taskScore(m, config));
    const sum = scores.reduce((a, b) => a + b, 0);
    if (sum === 0) continue;
    task.miners.forEach((m, k) => {
      const i = index.get(m.uid);
      if (i === undefined)
        throw new ScoringError(
          'SCORING_INPUT_INVALID',
          `task ${task.task} names unknown uid ${m.uid}`,
        );
      raw[i] = (raw[i] as number) + (task.weight / taskTotal) * ((scores[k] as number) / sum);
    });
  }
  let norm = 0;
  for (let i = 0; i < raw.length; i++) {
    raw[i] = (raw[i] as number) ** config.sharpenExponent;
    norm += raw[i] as number;
  }
  if (norm > 0) for (let i = 0; i < raw.length; i++) raw[i] = (raw[i] as number) / norm;
  return raw;
}
