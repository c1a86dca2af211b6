import { DEFAULT_SCORING_CONFIG, type SpeedVolumeConfig } from '../config.js';
import { ScoringError } from '../errors.js';

/** One timed answer: how long it took and how much work it was (diffusion steps, tokens). */
export interface TimedWork {
  readonly seconds: number;
  readonly units: number;
  /** The task's expected seconds per unit on the reference hardware. */
  readonly expectedSecondsPerUnit: number;
}

function check(work: TimedWork): void {
  if (!(work.seconds > 0) || !(work.units > 0) || !(work.expectedSecondsPerUnit > 0)) {
    throw new ScoringError(
      'SCORING_INPUT_INVALID',
      `timed work needs positive seconds, units and expected time (got ${JSON.stringify(work)})`,
    );
  }
}

/** Expected time over actual time per unit, capped at `maxSpeedRatio`, scaled into [0, 1]. */
export function speedRatio(
  work: TimedWork,
  config: SpeedVolumeConfig = DEFAULT_SCORING_CONFIG.speedVolume,
): number {
  check(work);
  const ratio = (work.expectedSecondsPerUnit * work.units) / work.seconds;
  return Math.min(ratio, config.maxSpeedRatio) / config.maxSpeedRatio;
}

/**
 * Speed scores of several miners' answers to the same task: the capped speed ratio, blended
 * with the percentile rank of each miner's time per unit (slower miners beaten, ties half).
 * A faster answer never scores lower than a slower one.
 */
export function speedScores(
  answers: readonly TimedWork[],
  config: SpeedVolumeConfig = DEFAULT_SCORING_CONFIG.speedVolume,
): number[] {
  const perUnit = answers.map((a) => {
    check(a);
    return a.seconds / a.units;
  });
  return answers.map((answer, i) => {
    const mine = perUnit[i] as number;
    let beaten = 0;
    for (let j = 0; j < perUnit.length; j++) {
      if (j === i) continue;
      const other = perUnit[j] as number;
      if (other > mine) beaten += 1;
      else if (other === mine) beaten += 0.5;
    }
    const percentile = perUnit.length > 1 ? beaten / (perUnit.length - 1) : 1;
    const w = config.percentileWeight;
    return (1 - w) * speedRatio(answer, config) + w * percentile;
  });
}
