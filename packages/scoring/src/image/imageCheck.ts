import { DEFAULT_SCORING_CONFIG, type ImageCheckConfig } from '../config.js';
import { ScoringError } from '../errors.js';

/** What the validator knows after re-running an image task and comparing with the miner's. */
export interface ImageCheckFacts {
  /** The reward model's probability that both images come from the same parameters. */
  readonly sameProbability: number;
  /** Cosine similarity of the miner's CLIP embedding and the validator's reference embedding. */
  readonly clipSimilarity: number;
  /**
   * Cosine similarity of the embedding the miner sent and the validator's own embedding of the
   * miner's image; absent when the validator did not re-embed it.
   */
  readonly claimedClipConsistency?: number;
  readonly minerNsfw: boolean;
  readonly referenceNsfw: boolean;
}

export type ImageCheckReason =
  | 'reproduced'
  | 'both-nsfw'
  | 'false-nsfw'
  | 'misreported-clip'
  | 'blatant-mismatch'
  | 'partial';

export interface CheckResult {
  /** Agreement with the validator's reference, in [0, 1]. */
  readonly score: number;
  /** A hard penalty (0 or negative) that the period score adds to the score. */
  readonly penalty: number;
  readonly reason: ImageCheckReason;
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/**
 * The combined image score: `rewardWeight * sqrt(p) + clipWeight * s^2` with s the CLIP
 * similarity clamped to [0, 1]; 1 above `perfectAbove`, else raised to `belowExponent`.
 * Non-decreasing in both p and s.
 */
export function combinedImageScore(
  sameProbability: number,
  clipSimilarity: number,
  config: ImageCheckConfig = DEFAULT_SCORING_CONFIG.image,
): number {
  if (!Number.isFinite(sameProbability) || !Number.isFinite(clipSimilarity)) {
    throw new ScoringError('SCORING_INPUT_INVALID', 'image check inputs must be finite numbers');
  }
  const p = clamp01(sameProbability);
  const s = clamp01(clipSimilarity);
  const combined = config.rewardWeight * Math.sqrt(p) + config.clipWeight * s * s;
  if (combined > config.perfectAbove) return 1;
  return clamp01(combined) ** config.belowExponent;
}

/** Scores one image answer against the validator's reproduction, with its hard penalties. */
export function checkImage(
  facts: ImageCheckFacts,
  config: ImageCheckConfig = DEFAULT_SCORING_CONFIG.image,
): CheckResult {
  if (facts.minerNsfw && facts.referenceNsfw) {
    // Both flagged: the validator holds both images in full, so they are still compared; a flag
    // is no way around the check.
    const score = combinedImageScore(facts.sameProbability, facts.clipSimilarity, config);
    return { score, penalty: 0, reason: 'both-nsfw' };
  }
  if (facts.minerNsfw && !facts.referenceNsfw) {
    return { score: 0, penalty: config.falseNsfwPenalty, reason: 'false-nsfw' };
  }
  if (
    facts.claimedClipConsistency !== undefined &&
    facts.claimedClipConsistency < config.minClaimedClipConsistency
  ) {
    return { score: 0, penalty: config.misreportedClipPenalty, reason: 'misreported-clip' };
  }
  const score = combinedImageScore(facts.sameProbability, facts.clipSimilarity, config);
  if (facts.clipSimilarity < config.blatantMismatchBelow) {
    return { score, penalty: config.blatantMismatchPenalty, reason: 'blatant-mismatch' };
  }
  return { score, penalty: 0, reason: score === 1 ? 'reproduced' : 'partial' };
}
