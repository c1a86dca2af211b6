/**
 * Error codes of the validator's work loop (synthetic tasks, scheduling, querying, checking).
 * They follow the package's `ValidatorErrorCode` naming; the lead may fold them into that list.
 */
export const WorkErrorCode = {
  InvalidArgument: 'VALIDATOR_WORK_INVALID_ARGUMENT',
  UnsupportedTask: 'VALIDATOR_WORK_UNSUPPORTED_TASK',
  NoReference: 'VALIDATOR_WORK_NO_REFERENCE',
} as const;
export type WorkErrorCode = (typeof WorkErrorCode)[keyof typeof WorkErrorCode];

export class WorkError extends Error {
  override readonly name = 'WorkError';
  readonly code: WorkErrorCode;

  constructor(code: WorkErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
  }
}
