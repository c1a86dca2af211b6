/**
 * The validator's error codes. Codes that cross the wire are HTTP status codes (protocol's
 * StatusCode); these name what went wrong inside the validator, for logs, for callers that
 * branch on it and for the operator: a command reports `message [CODE]` and the `fix` (the kit's
 * `reportError`), and exits with `exitCode` (2 for a configuration mistake, else 1).
 */
export const ValidatorErrorCode = {
  StorageConfigInvalid: 'VALIDATOR_STORAGE_CONFIG_INVALID',
  StorageOpenFailed: 'VALIDATOR_STORAGE_OPEN_FAILED',
  StorageSchemaTooNew: 'VALIDATOR_STORAGE_SCHEMA_TOO_NEW',
  StorageMigrationFailed: 'VALIDATOR_STORAGE_MIGRATION_FAILED',
  StorageClosed: 'VALIDATOR_STORAGE_CLOSED',
  StorageDataDirInUse: 'VALIDATOR_STORAGE_DATA_DIR_IN_USE',
  StorageInvalidValue: 'VALIDATOR_STORAGE_INVALID_VALUE',
  PostgresNotInstalled: 'VALIDATOR_POSTGRES_NOT_INSTALLED',
  ApiKeyInvalidArgument: 'VALIDATOR_API_KEY_INVALID_ARGUMENT',
  ApiKeyNotFound: 'VALIDATOR_API_KEY_NOT_FOUND',
  /** The configuration (flags, SUBNET_VALIDATOR_* env, --config file) is invalid. */
  ConfigInvalid: 'VALIDATOR_CONFIG_INVALID',
  /** The validator's hotkey is not registered on the subnet. */
  NotRegistered: 'VALIDATOR_NOT_REGISTERED',
  /** The wallet's hotkey file is missing. */
  WalletMissing: 'VALIDATOR_WALLET_MISSING',
  /** No connection to the chain endpoint at start. */
  ChainUnreachable: 'VALIDATOR_CHAIN_UNREACHABLE',
  /** The PostgreSQL server of `--database-url` could not be reached. */
  DatabaseUnreachable: 'VALIDATOR_DATABASE_UNREACHABLE',
  /** A command that only uses the embedded database was pointed at a folder without one. */
  NoDatabase: 'VALIDATOR_NO_DATABASE',
} as const;
export type ValidatorErrorCode = (typeof ValidatorErrorCode)[keyof typeof ValidatorErrorCode];

export interface ValidatorErrorOptions {
  readonly cause?: unknown;
  /** What the operator can do about it, in one sentence. */
  readonly fix?: string;
  /** The exit code of a command that fails with it (default 2 for ConfigInvalid, else 1). */
  readonly exitCode?: number;
}

export class ValidatorError extends Error {
  override readonly name = 'ValidatorError';
  readonly code: ValidatorErrorCode;
  readonly fix: string | undefined;
  readonly exitCode: number;

  constructor(code: ValidatorErrorCode, message: string, options: ValidatorErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.fix = options.fix;
    this.exitCode = options.exitCode ?? (code === ValidatorErrorCode.ConfigInvalid ? 2 : 1);
  }
}
