import { DEFAULT_SCORING_CONFIG, type LlmCheckConfig } from '../config.js';
import { ScoringError } from '../errors.js';

/** One entry of the validator's top-k at a position: a token, its logprob and 0-based rank. */
export interface RankedLogprob {
  readonly token: string;
  readonly logprob: number;
  readonly rank: number;
}

/** One generated position: the miner's token and logprob, and the validator's own top-k there. */
export interface TokenPosition {
  readonly token: string;
  readonly minerLogprob: number;
  readonly validatorTopK: readonly RankedLogprob[];
}

export interface LlmCheckFacts {
  readonly temperature: number;
  readonly maxTokens: number;
  readonly eosToken: string;
  /**
   * Every position of the miner's answer in order. When the miner stopped before `maxTokens`,
   * the last position is its end-of-sequence token (the validator appends it if the miner's
   * text did not end with it), so stopping is checked like any other token.
   */
  readonly positions: readonly TokenPosition[];
  /** Positions (chosen by the validator's seeded sampler) whose probabilities are compared. */
  readonly sampledPositions: readonly number[];
}

export type LlmCheckReason =
  | 'agrees'
  | 'too-many-tokens'
  | 'empty'
  | 'token-not-in-top-k'
  | 'too-many-bad-tokens'
  | 'skipped-eos'
  | 'eos-inside'
  | 'early-eos'
  | 'distance'
  | 'status-mismatch';

export interface LlmCheckResult {
  readonly score: number;
  readonly penalty: number;
  readonly reason: LlmCheckReason;
  /** Mean probability distance at the sampled positions (NaN when a hard rule failed first). */
  readonly meanDistance: number;
  readonly badTokens: number;
}

/** The largest acceptable 0-based rank of a sampled token at this temperature (exclusive). */
export function rankLimit(
  temperature: number,
  config: LlmCheckConfig = DEFAULT_SCORING_CONFIG.llm,
): number {
  if (temperature <= config.greedyTemperature) return config.baseRankLimit;
  const room = Math.max(config.rankTemperatureOffset - temperature, 1e-9);
  return Math.floor(config.baseRankLimit / room);
}

/** Mean distance → score: 1 up to distanceFull, linear to 0.5 at distanceHalf, then 0. */
export function distanceScore(
  meanDistance: number,
  config: LlmCheckConfig = DEFAULT_SCORING_CONFIG.llm,
): number {
  if (!(meanDistance >= 0)) return 0;
  if (meanDistance <= config.distanceFull) return 1;
  if (meanDistance <= config.distanceHalf) {
    return (
      1 - (0.5 * (meanDistance - config.distanceFull)) / (config.distanceHalf - config.distanceFull)
    );
  }
  return 0;
}

function find(topK: readonly RankedLogprob[], token: string): RankedLogprob | undefined {
  return topK.find((entry) => entry.token === token);
}

function fail(reason: LlmCheckReason, badTokens: number): LlmCheckResult {
  return { score: 0, penalty: 0, reason, meanDistance: Number.NaN, badTokens };
}

/** The hard rules over every position; returns the failure or the count of bad tokens. */
function checkPositions(facts: LlmCheckFacts, config: LlmCheckConfig): LlmCheckResult | number {
  const limit = rankLimit(facts.temperature, config);
  let bad = 0;
  const last = facts.positions.length - 1;
  for (let i = 0; i <= last; i++) {
    const position = facts.positions[i] as TokenPosition;
    const entry = find(position.validatorTopK, position.token);
    if (entry === undefined) return fail('token-not-in-top-k', bad);
    if (entry.rank >= limit || entry.logprob === Number.NEGATIVE_INFINITY) {
      bad++;
      if (bad > config.maxBadTokens) return fail('too-many-bad-tokens', bad);
    }
    if (position.token !== facts.eosToken) {
      const eos = find(position.validatorTopK, facts.eosToken);
      if (eos !== undefined && eos.logprob > Number.NEGATIVE_INFINITY) {
        if (entry.logprob === Number.NEGATIVE_INFINITY) return fail('skipped-eos', bad);
        if (Math.exp(eos.logprob - entry.logprob) > config.skippedEosRatio) {
          return fail('skipped-eos', bad);
        }
      }
    } else if (i !== last) {
      return fail('eos-inside', bad);
    } else if (facts.positions.length < facts.maxTokens) {
      const best = Math.max(...position.validatorTopK.map((e) => e.logprob));
      if (Math.exp(entry.logprob - best) < config.earlyEosMinRatio) return fail('early-eos', bad);
    }
  }
  return bad;
}

/**
 * Checks an LLM answer against the validator's own logprobs for the miner's tokens: hard rules
 * (too many tokens, a token outside the validator's top-k, too many tokens past the
 * temperature-scaled rank limit, continuing where end-of-sequence was far likelier, stopping
 * where it was unlikely) give 0; otherwise the mean |p_validator - p_miner| at the sampled
 * positions maps to a score in [0, 1].
 */
export function checkLlm(
  facts: LlmCheckFacts,
  config: LlmCheckConfig = DEFAULT_SCORING_CONFIG.llm,
): LlmCheckResult {
  if (facts.positions.length === 0) return fail('empty', 0);
  if (facts.positions.length > facts.maxTokens) return fail('too-many-tokens', 0);
  const checked = checkPositions(facts, config);
  if (typeof checked !== 'number') return checked;
  if (facts.sampledPositions.length === 0) {
    throw new ScoringError(
      'SCORING_INPUT_INVALID',
      'an LLM check needs at least one sampled position',
    );
  }
  let total = 0;
  for (const index of facts.sampledPositions) {
    const position = facts.positions[index];
    if (position === undefined) {
      throw new ScoringError('SCORING_INPUT_INVALID', `sampled position ${index} is out of range`);
    }
    const entry = find(position.validatorTopK, position.token);
    total +=
      entry === undefined
        ? 1
        : Math.min(1, Math.abs(Math.exp(entry.logprob) - Math.exp(position.minerLogprob)));
  }
  const meanDistance = total / facts.sampledPositions.length;
  const score = distanceScore(meanDistance, config);
  return {
    score,
    penalty: 0,
    reason: score === 1 ? 'agrees' : 'distance',
    meanDistance,
    badTokens: checked,
  };
}

/**
 * A failed LLM answer (no tokens, an HTTP error status): fine when the validator's own request
 * failed the same way, else the status-mismatch penalty.
 */
export function checkLlmFailure(
  minerStatus: number,
  validatorStatus: number,
  config: LlmCheckConfig = DEFAULT_SCORING_CONFIG.llm,
): LlmCheckResult {
  const same = minerStatus === validatorStatus;
  return {
    score: same ? 1 : 0,
    penalty: same ? 0 : config.statusMismatchPenalty,
    reason: same ? 'agrees' : 'status-mismatch',
    meanDistance: Number.NaN,
    badTokens: 0,
  };
}
