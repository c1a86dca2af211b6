/** The miner's error codes. Codes that cross the wire are HTTP status codes (protocol's StatusCode). */
export const MinerErrorCode = {
  ConfigInvalid: 'MINER_CONFIG_INVALID',
  NotRegistered: 'MINER_NOT_REGISTERED',
  ModelNotLoaded: 'MINER_MODEL_NOT_LOADED',
  /** The model's backend broke while running a task; it is out of service until reloaded: 503. */
  ModelFailed: 'MINER_MODEL_FAILED',
  TaskNotServed: 'MINER_TASK_NOT_SERVED',
  Overloaded: 'MINER_OVERLOADED',
  QueueTimeout: 'MINER_QUEUE_TIMEOUT',
  Shutdown: 'MINER_SHUTTING_DOWN',
  /** The task's input cannot be run (bad image, unknown adapter or model): a 4xx. */
  TaskInvalid: 'MINER_TASK_INVALID',
  /** The backend failed while running the task: a 5xx. */
  TaskFailed: 'MINER_TASK_FAILED',
} as const;
export type MinerErrorCode = (typeof MinerErrorCode)[keyof typeof MinerErrorCode];

export class MinerError extends Error {
  override readonly name = 'MinerError';
  readonly code: MinerErrorCode;
  /** The HTTP status the axon answers with when this error ends a request. */
  readonly status: number;

  constructor(
    code: MinerErrorCode,
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 500;
  }
}
