/**
 * The one list of error codes of the scoring package. Every error thrown by this package is a
 * `ScoringError` whose `code` is one of these; callers branch on the code, never on the message.
 */
export const SCORING_ERROR_CODES = [
  /** The reward-model JSON is not an XGBoost model (malformed, inconsistent arrays). */
  'SCORING_MODEL_INVALID',
  /** The reward-model JSON is an XGBoost model that this evaluator refuses (dart, categorical...). */
  'SCORING_MODEL_UNSUPPORTED',
  /** Input rows, scores or preferences that do not fit the function's contract. */
  'SCORING_INPUT_INVALID',
  /** A scoring configuration object failed validation. */
  'SCORING_CONFIG_INVALID',
] as const;

export type ScoringErrorCode = (typeof SCORING_ERROR_CODES)[number];

export class ScoringError extends Error {
  override readonly name = 'ScoringError';
  readonly code: ScoringErrorCode;

  constructor(code: ScoringErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
