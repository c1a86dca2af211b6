/**
 * The chain package's error codes. Every error this package throws is a `ChainError` with one
 * of these stable codes; dispatch errors from the runtime keep the pallet's own error name too.
 */
export const ChainErrorCode = {
  /** The endpoint could not be reached, or the connection dropped and a call could not finish. */
  Connection: 'CHAIN_CONNECTION',
  /** The transaction pool refused the extrinsic before it reached a block (bad nonce, fees...). */
  TxRejected: 'CHAIN_TX_REJECTED',
  /** The extrinsic was included but the runtime refused it (see `pallet` and `error`). */
  Dispatch: 'CHAIN_DISPATCH',
  /** The extrinsic did not reach a block in time. */
  Timeout: 'CHAIN_TIMEOUT',
  /** Weights were asked for inside the subnet's weights rate limit; nothing was sent. */
  WeightsRateLimited: 'CHAIN_WEIGHTS_RATE_LIMITED',
  /** Plain set_weights was asked for on a subnet with commit-reveal on (or the reverse). */
  CommitRevealMismatch: 'CHAIN_COMMIT_REVEAL_MISMATCH',
  /** The hotkey is not registered on the subnet. */
  NotRegistered: 'CHAIN_NOT_REGISTERED',
  /** Arguments that can never be valid on chain (negative weight, bad IP, unknown network...). */
  InvalidArgument: 'CHAIN_INVALID_ARGUMENT',
  /** The runtime lacks a call, storage item or API this package needs. */
  Unsupported: 'CHAIN_UNSUPPORTED_RUNTIME',
  /** A key file is missing. */
  KeyfileNotFound: 'CHAIN_KEYFILE_NOT_FOUND',
  /** A key file is readable by group or others; refused. */
  KeyfileInsecure: 'CHAIN_KEYFILE_INSECURE',
  /** A key file is encrypted with a format this package cannot read. */
  KeyfileUnsupported: 'CHAIN_KEYFILE_UNSUPPORTED',
  /** A key file could not be parsed. */
  KeyfileCorrupt: 'CHAIN_KEYFILE_CORRUPT',
  /** The password does not decrypt the key file. */
  KeyfileWrongPassword: 'CHAIN_KEYFILE_WRONG_PASSWORD',
  /** A key file exists where a new one would be written. */
  KeyfileExists: 'CHAIN_KEYFILE_EXISTS',
  /** The chain spec for the devnet could not be found, downloaded or verified. */
  ChainSpec: 'CHAIN_SPEC_UNAVAILABLE',
  /**
   * A timelock (drand IBE) ciphertext, envelope, pulse signature or weights payload was malformed,
   * too large, or did not decrypt (`TimelockError.reason` says which).
   */
  Timelock: 'CHAIN_TIMELOCK',
} as const;
export type ChainErrorCode = (typeof ChainErrorCode)[keyof typeof ChainErrorCode];

export class ChainError extends Error {
  override readonly name: string = 'ChainError';
  readonly code: ChainErrorCode;

  constructor(code: ChainErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * Pallet errors that callers commonly branch on. The runtime may return others; `error` then
 * holds the name as the runtime spells it.
 */
export type KnownDispatchError =
  | 'InvalidIpAddress'
  | 'InvalidIpType'
  | 'InvalidPort'
  | 'SettingWeightsTooFast'
  | 'CommitRevealEnabled'
  | 'CommitRevealDisabled'
  | 'RevealTooEarly'
  | 'ExpiredWeightCommit'
  | 'InvalidRevealCommitHashNotMatch'
  | 'NoWeightsCommitFound'
  | 'TooManyUnrevealedCommits'
  | 'CommittingWeightsTooFast'
  | 'IncorrectWeightVersionKey'
  | 'WeightVecNotEqualSize'
  | 'WeightVecLengthIsLow'
  | 'DuplicateUids'
  | 'UidVecContainInvalidOne'
  | 'MaxWeightExceeded'
  | 'HotKeyNotRegisteredInSubNet'
  | 'HotKeyAlreadyRegisteredInSubNet'
  | 'NotEnoughBalanceToStake'
  | 'NotEnoughStakeToSetWeights'
  | 'NeuronNoValidatorPermit'
  | 'NetworkTxRateLimitExceeded'
  | 'ServingRateLimitExceeded'
  | 'SubNetworkDoesNotExist'
  | 'TooManyRegistrationsThisBlock'
  | 'TooManyRegistrationsThisInterval'
  | 'BadOrigin';

/** A runtime dispatch error, decoded from the module index and error index through metadata. */
export class ChainDispatchError extends ChainError {
  override readonly name = 'ChainDispatchError';
  /** Pallet name as in metadata, e.g. `SubtensorModule`. */
  readonly pallet: string;
  /** Error variant name as in metadata, e.g. `SettingWeightsTooFast`. */
  readonly error: KnownDispatchError | (string & {});
  readonly docs: string;

  constructor(pallet: string, error: string, docs: string, options?: { cause?: unknown }) {
    super(ChainErrorCode.Dispatch, `${pallet}.${error}${docs ? `: ${docs}` : ''}`, options);
    this.pallet = pallet;
    this.error = error;
    this.docs = docs;
  }
}

/** True when `err` is a dispatch error with the given name (and pallet, when given). */
export function isDispatchError(
  err: unknown,
  error: KnownDispatchError | (string & {}),
  pallet?: string,
): err is ChainDispatchError {
  return (
    err instanceof ChainDispatchError &&
    err.error === error &&
    (pallet === undefined || err.pallet === pallet)
  );
}
