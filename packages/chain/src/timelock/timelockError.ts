import { ChainError, ChainErrorCode } from '../errors.js';

/**
 * Why a timelock operation was refused:
 * - `malformed`: a length prefix is wrong, exceeds the buffer, or bytes are left over;
 * - `too-large`: a declared size is over the configured bound (checked before anything is read);
 * - `suite`: the cipher suite is not `AES_GCM_`;
 * - `point`: a curve point (U, or the pulse signature) is not a canonical point of the subgroup;
 * - `signature`: the pulse signature is not the one for the round, or does not open the ciphertext;
 * - `decrypt`: the AES-GCM tag did not verify (the body was tampered with);
 * - `payload`: the decrypted weights payload is not valid SCALE.
 */
export type TimelockErrorReason =
  | 'malformed'
  | 'too-large'
  | 'suite'
  | 'point'
  | 'signature'
  | 'decrypt'
  | 'payload';

/** A `ChainError` with code `CHAIN_TIMELOCK` and the reason it was raised. */
export class TimelockError extends ChainError {
  override readonly name = 'TimelockError';
  readonly reason: TimelockErrorReason;

  constructor(reason: TimelockErrorReason, message: string, options?: { cause?: unknown }) {
    super(ChainErrorCode.Timelock, `${reason}: ${message}`, options);
    this.reason = reason;
  }
}
