/** The miner's error codes. Codes that cross the wire are HTTP status codes (protocol's StatusCode). */
export const MinerErrorCode = {
  /** A setting is missing or wrong (flag, environment variable or config file): exit 2. */
  ConfigInvalid: 'MINER_CONFIG_INVALID',
  /** The hotkey's key file is not there. */
  WalletMissing: 'MINER_WALLET_MISSING',
  /** The key file is there but cannot be used (permissions, password, format). */
  WalletUnreadable: 'MINER_WALLET_UNREADABLE',
  /** No connection to the chain's endpoint. */
  ChainUnreachable: 'MINER_CHAIN_UNREACHABLE',
  NotRegistered: 'MINER_NOT_REGISTERED',
  /** The axon's address cannot be listened on (another process holds the port). */
  PortInUse: 'MINER_PORT_IN_USE',
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
  /** `register` without a terminal and without --yes: nothing was spent. */
  NotConfirmed: 'MINER_NOT_CONFIRMED',
} as const;
export type MinerErrorCode = (typeof MinerErrorCode)[keyof typeof MinerErrorCode];

export interface MinerErrorOptions {
  /** The HTTP status the axon answers with when this error ends a request (default 500). */
  status?: number;
  cause?: unknown;
  /** What the operator can do about it (printed as `fix:` by the CLI). */
  fix?: string;
  /** The exit code when this error ends a command (default 1; 2 for configuration mistakes). */
  exitCode?: number;
}

export class MinerError extends Error {
  override readonly name = 'MinerError';
  readonly code: MinerErrorCode;
  readonly status: number;
  readonly fix: string | undefined;
  readonly exitCode: number;

  constructor(code: MinerErrorCode, message: string, options: MinerErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 500;
    this.fix = options.fix;
    this.exitCode = options.exitCode ?? (code === MinerErrorCode.ConfigInvalid ? 2 : 1);
  }
}
