/**
 * The SCALE envelope `bittensor_drand.encrypt_at_round` returns and `decrypt_with_signature`
 * takes: `UserData { encrypted_data: Vec<u8>, reveal_round: u64 }`, i.e. compact length ‖ TLE ‖
 * reveal round (u64 little-endian). The chain itself stores the bare TLE (and the round in its own
 * extrinsic argument); the envelope is for talking to the Python SDK.
 */
import { BoundedReader, compactU32, concatBytes, U64_MAX, u64le } from './bytes.js';
import { TimelockError } from './timelockError.js';
import { DEFAULT_MAX_PLAINTEXT_BYTES, TLE_OVERHEAD_BYTES } from './tle.js';

export interface Envelope {
  tle: Uint8Array;
  round: bigint;
}

export function wrapEnvelope(tle: Uint8Array, round: bigint): Uint8Array {
  if (round < 0n || round > U64_MAX) {
    throw new TimelockError('malformed', `round ${round} is not a u64`);
  }
  return concatBytes(compactU32(tle.length), tle, u64le(round));
}

/**
 * Splits an envelope, bounding the TLE to `maxTleBytes` (default: a TLE of
 * `DEFAULT_MAX_PLAINTEXT_BYTES`). Unlike `parity-scale-codec`, trailing bytes are refused.
 */
export function unwrapEnvelope(
  bytes: Uint8Array,
  options: { maxTleBytes?: number } = {},
): Envelope {
  const max = options.maxTleBytes ?? TLE_OVERHEAD_BYTES + DEFAULT_MAX_PLAINTEXT_BYTES;
  const r = new BoundedReader(bytes, { what: 'envelope' });
  const n = r.vecLength('encrypted_data', 1, max);
  const tle = r.take(n, 'encrypted_data');
  const round = r.u64('reveal_round');
  r.end();
  return { tle, round };
}
