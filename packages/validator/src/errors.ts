/**
 * The validator's error codes. Codes that cross the wire are HTTP status codes (protocol's
 * StatusCode); these name what went wrong inside the validator, for logs and for callers that
 * branch on it.
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
} as const;
export type ValidatorErrorCode = (typeof ValidatorErrorCode)[keyof typeof ValidatorErrorCode];

export class ValidatorError extends Error {
  override readonly name = 'ValidatorError';
  readonly code: ValidatorErrorCode;

  constructor(code: ValidatorErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
  }
}
