/**
 * A timelocked weights commit, as `bittensor_drand.get_encrypted_commit_v2` builds it: the SCALE
 * payload `{hotkey, uids, values, version_key}` encrypted to the round `revealRoundFor` gives. The
 * result is the raw TLE the chain stores (`commit_timelocked_weights(netuid, commit, reveal_round,
 * commit_reveal_version)`), not the SDK's envelope.
 *
 * Like the SDK function, values are encoded as given (no normalisation: pass u16 weights already
 * processed, e.g. with `weightsForChain`). Stricter than it: the hotkey must be 32 bytes, uids and
 * values the same length (the chain would refuse the reveal otherwise), and the commit must fit
 * subtensor's `MAX_CRV3_COMMIT_SIZE_BYTES` (5000).
 */
import { ChainError, ChainErrorCode } from '../errors.js';
import { type EpochSchedule, revealRoundFor } from './revealRound.js';
import { type RandomBytes, TLE_OVERHEAD_BYTES, timelockEncrypt } from './tle.js';
import { encodeWeightsPayload } from './weightsPayload.js';

/** subtensor's bound on a stored commit (`BoundedVec<u8, ConstU32<5000>>`). */
export const MAX_COMMIT_BYTES = 5000;

export interface EncryptedWeightsCommitInput {
  /** The committing hotkey's public key (32 bytes); the chain checks it against the signer. */
  hotkey: Uint8Array;
  uids: readonly number[];
  values: readonly number[];
  versionKey: bigint;
  schedule: EpochSchedule;
  revealPeriodEpochs: number;
  blockTimeS: number;
  /** Unix time in seconds (fractional). */
  nowS: number;
  rng?: RandomBytes;
}

export interface EncryptedWeightsCommit {
  /** The raw TLE, what `commit_timelocked_weights` takes as `commit`. */
  commit: Uint8Array;
  revealRound: bigint;
  /** The block at which the chain is expected to reveal it. */
  firstRevealBlock: number;
}

export function encryptedWeightsCommit(input: EncryptedWeightsCommitInput): EncryptedWeightsCommit {
  if (input.hotkey.length !== 32) {
    throw new ChainError(
      ChainErrorCode.InvalidArgument,
      `hotkey must be a 32-byte public key, got ${input.hotkey.length} bytes`,
    );
  }
  if (input.uids.length !== input.values.length) {
    throw new ChainError(
      ChainErrorCode.InvalidArgument,
      `${input.uids.length} uids but ${input.values.length} values`,
    );
  }
  const { revealRound, firstRevealBlock } = revealRoundFor(input);
  const payload = encodeWeightsPayload(input);
  const commit = timelockEncrypt(payload, revealRound, {
    maxPlaintextBytes: MAX_COMMIT_BYTES - TLE_OVERHEAD_BYTES,
    ...(input.rng ? { rng: input.rng } : {}),
  });
  return { commit, revealRound, firstRevealBlock };
}
