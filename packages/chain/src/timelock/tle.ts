/**
 * Timelock encryption (TLE) to a drand quicknet round, byte-compatible with the `timelock` crate
 * that subtensor decrypts with and `bittensor_drand` encrypts with.
 *
 * Wire format: arkworks `serialize_compressed` of `TLECiphertext`; every byte vector carries a
 * u64 little-endian length:
 *
 *   U      G2 point, compressed                                           96
 *   V      len 32 ‖ σ ⊕ H2(…)                                          8 + 32
 *   W      len 32 ‖ k ⊕ H4(σ)                                          8 + 32
 *   body   len N ‖ (len C ‖ AES-256-GCM ciphertext ‖ 16-byte tag) ‖ (len 12 ‖ nonce)
 *   suite  len 8 ‖ "AES_GCM_"                                          8 + 8
 *
 * so a TLE is `TLE_OVERHEAD_BYTES` (244) + the plaintext length. The AES key k is random and is
 * what the IBE layer (`ibe.ts`) locks to the round; GCM has no associated data.
 *
 * Decoding is for untrusted input: `parseTle` checks each length against the bytes actually left
 * and against `maxPlaintextBytes` before slicing, refuses trailing bytes and any suite but
 * `AES_GCM_`, and decodes U last (canonical, on the curve, in the subgroup, not the identity).
 * Every refusal is a `TimelockError` (code `CHAIN_TIMELOCK`).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { arkBytes, BoundedReader, concatBytes, U64_MAX } from './bytes.js';
import { bytesEqual, decodeSignature, verifyPulse } from './drand.js';
import { type IbeCiphertext, ibeDecrypt, ibeEncrypt } from './ibe.js';
import { TimelockError } from './timelockError.js';

type G2Point = ReturnType<typeof bls12_381.G2.Point.fromBytes>;

export const CIPHER_SUITE = new TextEncoder().encode('AES_GCM_');
export const TLE_OVERHEAD_BYTES = 244;
/** Default bound on the plaintext a TLE may declare (subtensor stores commits up to 5000 bytes). */
export const DEFAULT_MAX_PLAINTEXT_BYTES = 64 * 1024;

const G2_COMPRESSED_BYTES = 96;
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Random bytes source; the default is `node:crypto.randomBytes`. Inject one only in tests. */
export type RandomBytes = (n: number) => Uint8Array;

export interface TimelockEncryptOptions {
  rng?: RandomBytes;
  /** Refuse plaintexts longer than this (default `DEFAULT_MAX_PLAINTEXT_BYTES`). */
  maxPlaintextBytes?: number;
}

export interface TleParseOptions {
  /** Refuse ciphertexts that declare a longer plaintext (default `DEFAULT_MAX_PLAINTEXT_BYTES`). */
  maxPlaintextBytes?: number;
}

export interface TimelockDecryptOptions extends TleParseOptions {
  /**
   * When given, the signature is first checked to be quicknet's signature of this round
   * (`verifyPulse`); otherwise only "it opens the ciphertext" is checked.
   */
  round?: bigint;
}

/** The parts of a TLE, as `parseTle` returns them (byte fields are views into the input). */
export interface TleParts {
  u: G2Point;
  v: Uint8Array;
  w: Uint8Array;
  /** AES-GCM ciphertext followed by its 16-byte tag. */
  ciphertext: Uint8Array;
  nonce: Uint8Array;
}

function draw(rng: RandomBytes, n: number, what: string): Uint8Array {
  const b = rng(n);
  if (!(b instanceof Uint8Array) || b.length !== n) {
    throw new TimelockError('malformed', `rng gave ${b?.length} bytes for ${what}, wanted ${n}`);
  }
  return b;
}

function checkRound(round: bigint): void {
  if (typeof round !== 'bigint' || round < 0n || round > U64_MAX) {
    throw new TimelockError('malformed', `round ${round} is not a u64`);
  }
}

/** Encrypts `plaintext` so that quicknet's signature of `round` decrypts it; returns the TLE. */
export function timelockEncrypt(
  plaintext: Uint8Array,
  round: bigint,
  options: TimelockEncryptOptions = {},
): Uint8Array {
  checkRound(round);
  const max = options.maxPlaintextBytes ?? DEFAULT_MAX_PLAINTEXT_BYTES;
  if (plaintext.length > max) {
    throw new TimelockError('too-large', `plaintext of ${plaintext.length} bytes, bound ${max}`);
  }
  const rng = options.rng ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const key = draw(rng, KEY_BYTES, 'the AES key');
  const sigma = draw(rng, KEY_BYTES, 'σ');
  const nonce = draw(rng, NONCE_BYTES, 'the nonce');
  const header = ibeEncrypt(key, round, sigma);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const ct = concatBytes(cipher.update(plaintext), cipher.final(), cipher.getAuthTag());
  return serializeTle({ ...header, ciphertext: ct, nonce });
}

export function serializeTle(parts: IbeCiphertext & { ciphertext: Uint8Array; nonce: Uint8Array }) {
  return concatBytes(
    parts.u.toBytes(true),
    arkBytes(parts.v),
    arkBytes(parts.w),
    arkBytes(concatBytes(arkBytes(parts.ciphertext), arkBytes(parts.nonce))),
    arkBytes(CIPHER_SUITE),
  );
}

/** Parses and checks a TLE (see the module comment for what is checked, in that order). */
export function parseTle(tle: Uint8Array, options: TleParseOptions = {}): TleParts {
  const maxPlaintext = options.maxPlaintextBytes ?? DEFAULT_MAX_PLAINTEXT_BYTES;
  const maxCiphertext = maxPlaintext + TAG_BYTES;
  const r = new BoundedReader(tle, { what: 'TLE' });
  const uBytes = r.take(G2_COMPRESSED_BYTES, 'U');
  const v = r.arkBytesExact('V', KEY_BYTES);
  const w = r.arkBytesExact('W', KEY_BYTES);
  const body = r.arkBytes('body', 8 + maxCiphertext + 8 + NONCE_BYTES);
  const b = new BoundedReader(body, { what: 'TLE body' });
  const ciphertext = b.arkBytes('AES ciphertext', maxCiphertext);
  if (ciphertext.length < TAG_BYTES) b.fail('AES ciphertext shorter than its tag');
  const nonce = b.arkBytesExact('nonce', NONCE_BYTES);
  b.end();
  const suiteLength = r.u64('cipher suite');
  if (suiteLength > BigInt(r.remaining)) {
    r.fail(`cipher suite declares ${suiteLength} bytes, only ${r.remaining} left`);
  }
  const suite = r.take(Number(suiteLength), 'cipher suite');
  if (!bytesEqual(suite, CIPHER_SUITE)) {
    r.fail(`cipher suite ${JSON.stringify(new TextDecoder().decode(suite))}`, 'suite');
  }
  r.end();
  return { u: decodeG2(uBytes), v, w, ciphertext, nonce };
}

function decodeG2(bytes: Uint8Array): G2Point {
  let p: G2Point;
  try {
    // A copy: the decoder clears flag bits in `bytes.slice()`, a view when `bytes` is a Buffer.
    p = bls12_381.G2.Point.fromBytes(Uint8Array.from(bytes));
  } catch (cause) {
    throw new TimelockError('point', 'U is not a point of G2', { cause });
  }
  if (p.is0() || !bytesEqual(p.toBytes(true), bytes)) {
    throw new TimelockError('point', 'U is not a canonical non-zero G2 point');
  }
  return p;
}

/**
 * Decrypts a TLE with a quicknet pulse signature (compressed G1, 48 bytes). Checks, in order: the
 * signature is the round's (only when `options.round` is given), the signature is a valid point,
 * the TLE parses, the signature opens the IBE header, the AES-GCM tag verifies.
 */
export function timelockDecrypt(
  tle: Uint8Array,
  signature: Uint8Array,
  options: TimelockDecryptOptions = {},
): Uint8Array {
  if (options.round !== undefined) {
    checkRound(options.round);
    if (!verifyPulse(options.round, signature)) {
      throw new TimelockError('signature', `not quicknet's signature of round ${options.round}`);
    }
  }
  const sig = decodeSignature(signature);
  const parts = parseTle(tle, options);
  const key = ibeDecrypt(parts, sig);
  const ct = parts.ciphertext;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, parts.nonce);
    decipher.setAuthTag(ct.subarray(ct.length - TAG_BYTES));
    return concatBytes(decipher.update(ct.subarray(0, ct.length - TAG_BYTES)), decipher.final());
  } catch (cause) {
    throw new TimelockError('decrypt', 'the AES-GCM tag does not verify', { cause });
  }
}
