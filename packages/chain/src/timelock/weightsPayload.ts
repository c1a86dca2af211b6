/**
 * The plaintext of a timelocked weights commit, SCALE-encoded as subtensor decodes it in
 * `reveal_commits.rs`:
 *
 *   WeightsTlockPayload       { hotkey: Vec<u8>, uids: Vec<u16>, values: Vec<u16>, version_key: u64 }
 *   LegacyWeightsTlockPayload {                  uids: Vec<u16>, values: Vec<u16>, version_key: u64 }
 *
 * The chain tries the current form first (and then requires `hotkey` to decode to the committing
 * account), then the legacy one. Values are taken as they are: no normalisation happens here or in
 * `bittensor_drand` (the Python SDK normalises before it calls `get_encrypted_commit_v2`).
 *
 * The decoders are for untrusted bytes: lengths are checked against the bytes left and against
 * `maxUids` before anything is read, and the whole input must be consumed (stricter than
 * `parity-scale-codec`, which ignores trailing bytes).
 */
import { ChainError, ChainErrorCode } from '../errors.js';
import { BoundedReader, compactU32, concatBytes, U64_MAX, u64le, vecU16 } from './bytes.js';

export interface WeightsPayload {
  /** The committer's hotkey public key (32 bytes for an sr25519 account). */
  hotkey: Uint8Array;
  uids: readonly number[];
  values: readonly number[];
  versionKey: bigint;
}

export type LegacyWeightsPayload = Omit<WeightsPayload, 'hotkey'>;

/** What `encodeWeightsPayload` takes: without a hotkey, the legacy form is written. */
export type WeightsPayloadInput = LegacyWeightsPayload & { hotkey?: Uint8Array | undefined };

export interface WeightsPayloadDecodeOptions {
  /** Refuse vectors longer than this (default 65536, every possible u16 uid once). */
  maxUids?: number;
  /** Refuse a hotkey longer than this (default 64 bytes). */
  maxHotkeyBytes?: number;
}

const DEFAULT_MAX_UIDS = 65_536;
const DEFAULT_MAX_HOTKEY_BYTES = 64;

function versionKeyBytes(v: bigint): Uint8Array {
  if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) {
    throw new ChainError(ChainErrorCode.InvalidArgument, `version key ${v} is not a u64`);
  }
  return u64le(v);
}

/** The current form; the legacy one when `hotkey` is absent (spec 293 runtimes decode only that). */
export function encodeWeightsPayload(p: WeightsPayloadInput): Uint8Array {
  if (p.hotkey === undefined) return encodeLegacyWeightsPayload(p);
  return concatBytes(
    compactU32(p.hotkey.length),
    p.hotkey,
    vecU16(p.uids, 'uids'),
    vecU16(p.values, 'values'),
    versionKeyBytes(p.versionKey),
  );
}

export function encodeLegacyWeightsPayload(p: LegacyWeightsPayload): Uint8Array {
  return concatBytes(
    vecU16(p.uids, 'uids'),
    vecU16(p.values, 'values'),
    versionKeyBytes(p.versionKey),
  );
}

function readU16s(r: BoundedReader, field: string, max: number): number[] {
  const n = r.vecLength(field, 2, max);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = r.u16(field);
  return out;
}

function reader(bytes: Uint8Array, what: string): BoundedReader {
  return new BoundedReader(bytes, { what, reason: 'payload' });
}

export function decodeWeightsPayload(
  bytes: Uint8Array,
  options: WeightsPayloadDecodeOptions = {},
): WeightsPayload {
  const maxUids = options.maxUids ?? DEFAULT_MAX_UIDS;
  const r = reader(bytes, 'weights payload');
  const hotkeyLength = r.vecLength('hotkey', 1, options.maxHotkeyBytes ?? DEFAULT_MAX_HOTKEY_BYTES);
  const hotkey = r.take(hotkeyLength, 'hotkey').slice();
  const uids = readU16s(r, 'uids', maxUids);
  const values = readU16s(r, 'values', maxUids);
  const versionKey = r.u64('version_key');
  r.end();
  return { hotkey, uids, values, versionKey };
}

export function decodeLegacyWeightsPayload(
  bytes: Uint8Array,
  options: WeightsPayloadDecodeOptions = {},
): LegacyWeightsPayload {
  const maxUids = options.maxUids ?? DEFAULT_MAX_UIDS;
  const r = reader(bytes, 'legacy weights payload');
  const uids = readU16s(r, 'uids', maxUids);
  const values = readU16s(r, 'values', maxUids);
  const versionKey = r.u64('version_key');
  r.end();
  return { uids, values, versionKey };
}

/**
 * Either form, tried in the chain's order: the current one, then the legacy one. `hotkey` is
 * absent for the legacy form. (The chain additionally requires the hotkey to be the committer.)
 */
export function decodeAnyWeightsPayload(
  bytes: Uint8Array,
  options: WeightsPayloadDecodeOptions = {},
): WeightsPayload | (LegacyWeightsPayload & { hotkey?: undefined }) {
  try {
    return decodeWeightsPayload(bytes, options);
  } catch (current) {
    try {
      return decodeLegacyWeightsPayload(bytes, options);
    } catch {
      throw current;
    }
  }
}
