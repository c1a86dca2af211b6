import { DEFAULT_SCORING_CONFIG, type HeadToHeadConfig } from '../config.js';

/** One miner's answer to a task that another miner also answered with the same seed. */
export interface HeadToHeadAnswer {
  readonly uid: number;
  /** Agreement with the validator's reference output (a check score in [0, 1]). */
  readonly quality: number;
  /** Wall time the miner took, in seconds. */
  readonly seconds: number;
}

/** A recorded comparison: `winner` beat `loser`, or they tied. */
export interface Preference {
  readonly winner: number;
  readonly loser: number;
  readonly tie: boolean;
}

/**
 * Which of two answers to the same task is better: the one closer to the reference; among
 * equally close answers (within `qualityTieTolerance`) the one faster by more than
 * `speedTieFraction`; otherwise a tie. A miner that did not answer is passed with quality 0.
 */
export function comparePair(
  a: HeadToHeadAnswer,
  b: HeadToHeadAnswer,
  config: HeadToHeadConfig = DEFAULT_SCORING_CONFIG.headToHead,
): Preference {
  if (Math.abs(a.quality - b.quality) > config.qualityTieTolerance) {
    return a.quality > b.quality
      ? { winner: a.uid, loser: b.uid, tie: false }
      : { winner: b.uid, loser: a.uid, tie: false };
  }
  const faster = Math.min(a.seconds, b.seconds);
  const slower = Math.max(a.seconds, b.seconds);
  if (slower > faster * (1 + config.speedTieFraction)) {
    return a.seconds < b.seconds
      ? { winner: a.uid, loser: b.uid, tie: false }
      : { winner: b.uid, loser: a.uid, tie: false };
  }
  return { winner: a.uid, loser: b.uid, tie: true };
}

/** Every pairwise preference among the answers to one task. */
export function preferencesForTask(
  answers: readonly HeadToHeadAnswer[],
  config: HeadToHeadConfig = DEFAULT_SCORING_CONFIG.headToHead,
): Preference[] {
  const out: Preference[] = [];
  for (let i = 0; i < answers.length; i++) {
    for (let j = i + 1; j < answers.length; j++) {
      out.push(comparePair(answers[i] as HeadToHeadAnswer, answers[j] as HeadToHeadAnswer, config));
    }
  }
  return out;
}
