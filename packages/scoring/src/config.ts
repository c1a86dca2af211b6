import { z } from 'zod';
import { ScoringError } from './errors.js';

/**
 * Every constant of every scoring rule, in one place. The defaults are the subnet's policy; a
 * validator may override any of them from its own configuration file, validated once at start
 * with `parseScoringConfig`.
 */

const unit = z.number().min(0).max(1);
const positive = z.number().positive();

export const imageCheckConfigSchema = z.object({
  /** Weight of sqrt(reward-model probability) in the combined score. */
  rewardWeight: unit.default(0.4),
  /** Weight of the squared CLIP similarity in the combined score. */
  clipWeight: unit.default(0.6),
  /** A combined score above this counts as a perfect reproduction: the check scores 1. */
  perfectAbove: unit.default(0.95),
  /** Below `perfectAbove` the combined score is raised to this power (2: squared). */
  belowExponent: positive.default(2),
  /**
   * The validator embeds the miner's image itself: if that embedding's cosine similarity to the
   * embedding the miner sent is below this, the miner misreported its CLIP embedding.
   */
  minClaimedClipConsistency: unit.default(0.98),
  /** Penalty (added to the period score) for a misreported CLIP embedding. */
  misreportedClipPenalty: z.number().max(0).default(-3),
  /** Penalty for flagging a safe image as NSFW (a miner skipping work by claiming NSFW). */
  falseNsfwPenalty: z.number().max(0).default(-3),
  /** A CLIP similarity to the reference below this is a blatantly different image... */
  blatantMismatchBelow: unit.default(0.6),
  /** ...and is penalised by this much. */
  blatantMismatchPenalty: z.number().max(0).default(-1),
});

export const llmCheckConfigSchema = z.object({
  /** At temperature <= `greedyTemperature` a token must rank below `baseRankLimit`... */
  baseRankLimit: z.number().int().positive().default(10),
  greedyTemperature: unit.default(0.5),
  /** ...above it the limit is floor(baseRankLimit / (rankTemperatureOffset - temperature)). */
  rankTemperatureOffset: z.number().min(1).default(1.03),
  /** More than this many tokens beyond the rank limit fails the whole response. */
  maxBadTokens: z.number().int().nonnegative().default(5),
  /** Continuing where end-of-sequence was this many times likelier than the token fails it. */
  skippedEosRatio: positive.default(100),
  /**
   * Stopping where end-of-sequence had less than this fraction of the validator's most likely
   * token's probability fails the response (stopping early to save work).
   */
  earlyEosMinRatio: unit.default(0.15),
  /** Mean probability distance at sampled positions up to this scores 1... */
  distanceFull: unit.default(0.125),
  /** ...falling linearly to 0.5 at this distance, and 0 beyond it. */
  distanceHalf: unit.default(0.25),
  /** Penalty for a failed response whose HTTP status differs from the validator's own. */
  statusMismatchPenalty: z.number().max(0).default(-3),
});

export const headToHeadConfigSchema = z.object({
  /** Two quality scores closer than this are equally good. */
  qualityTieTolerance: unit.default(0.01),
  /** Among equals, being faster by more than this fraction wins (0.05: 5% faster). */
  speedTieFraction: unit.default(0.05),
  /** The temperature of the Bradley-Terry / DPO objective: log sigma(beta (r_w - r_l)). */
  beta: positive.default(1),
  /** Strength of the Gaussian prior that pulls every reward towards 0 (new miners start there). */
  priorPrecision: positive.default(0.1),
});

export const speedVolumeConfigSchema = z.object({
  /** The speed ratio (expected time / actual time) is capped here. */
  maxSpeedRatio: positive.default(1),
  /** Share of the speed score that comes from the percentile rank among miners of the task. */
  percentileWeight: unit.default(0.3),
  /** Volume score lost per rate-limited (429) answer, as a fraction of requests. */
  rateLimitedPenalty: z.number().min(0).default(1),
  /** Volume score lost per server-error (5xx) answer, as a fraction of requests. */
  serverErrorPenalty: z.number().min(0).default(2),
});

export const historyConfigSchema = z.object({
  /** Weight of the newest period in the per-uid exponential moving average. */
  movingAverageAlpha: unit.default(0.1),
  /** Each older period's weight is multiplied by this in the decayed history. */
  periodDecay: unit.default(0.8),
});

export const weightConfigSchema = z.object({
  /** Weights of the four per-task components in a miner's task score. */
  qualityWeight: z.number().min(0).default(0.5),
  headToHeadWeight: z.number().min(0).default(0.2),
  speedWeight: z.number().min(0).default(0.15),
  volumeWeight: z.number().min(0).default(0.15),
  /** Final scores are raised to this power before normalising (above 1 favours the best). */
  sharpenExponent: positive.default(2),
});

export const scoringConfigSchema = z.object({
  image: imageCheckConfigSchema.default(imageCheckConfigSchema.parse({})),
  llm: llmCheckConfigSchema.default(llmCheckConfigSchema.parse({})),
  headToHead: headToHeadConfigSchema.default(headToHeadConfigSchema.parse({})),
  speedVolume: speedVolumeConfigSchema.default(speedVolumeConfigSchema.parse({})),
  history: historyConfigSchema.default(historyConfigSchema.parse({})),
  weights: weightConfigSchema.default(weightConfigSchema.parse({})),
});

export type ImageCheckConfig = z.infer<typeof imageCheckConfigSchema>;
export type LlmCheckConfig = z.infer<typeof llmCheckConfigSchema>;
export type HeadToHeadConfig = z.infer<typeof headToHeadConfigSchema>;
export type SpeedVolumeConfig = z.infer<typeof speedVolumeConfigSchema>;
export type HistoryConfig = z.infer<typeof historyConfigSchema>;
export type WeightConfig = z.infer<typeof weightConfigSchema>;
export type ScoringConfig = z.infer<typeof scoringConfigSchema>;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates a (partial) scoring configuration, fills in the defaults and freezes the result.
 * Throws `SCORING_CONFIG_INVALID` naming every offending field.
 */
export function parseScoringConfig(input: unknown = {}): Readonly<ScoringConfig> {
  const parsed = scoringConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ScoringError(
      'SCORING_CONFIG_INVALID',
      `invalid scoring configuration: ${problems.join('; ')}`,
      { cause: parsed.error },
    );
  }
  return deepFreeze(parsed.data);
}

/** The subnet's default policy. */
export const DEFAULT_SCORING_CONFIG: Readonly<ScoringConfig> = parseScoringConfig({});
