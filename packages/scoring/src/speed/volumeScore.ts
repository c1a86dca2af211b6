import { DEFAULT_SCORING_CONFIG, type SpeedVolumeConfig } from '../config.js';
import { ScoringError } from '../errors.js';

/** What a miner served in a period against what it declared it could. */
export interface VolumeFacts {
  /** Units of work (steps, tokens) the miner declared it can serve in the period. */
  readonly declaredCapacity: number;
  /** Units it served correctly. */
  readonly servedUnits: number;
  readonly requests: number;
  /** Answers refused with 429 although the validator stayed within the declared capacity. */
  readonly rateLimited: number;
  /** Answers that failed with a 5xx status. */
  readonly serverErrors: number;
}

/**
 * Capacity served over capacity declared (at most 1), minus penalties for 429 and 5xx answers
 * as fractions of the requests; in [0, 1].
 */
export function volumeScore(
  facts: VolumeFacts,
  config: SpeedVolumeConfig = DEFAULT_SCORING_CONFIG.speedVolume,
): number {
  const values = Object.values(facts) as number[];
  if (values.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new ScoringError(
      'SCORING_INPUT_INVALID',
      `volume facts must be finite and >= 0: ${JSON.stringify(facts)}`,
    );
  }
  if (facts.declaredCapacity === 0 || facts.requests === 0) return 0;
  const served = Math.min(1, facts.servedUnits / facts.declaredCapacity);
  const penalty =
    (config.rateLimitedPenalty * facts.rateLimited +
      config.serverErrorPenalty * facts.serverErrors) /
    facts.requests;
  return Math.max(0, served - penalty);
}
