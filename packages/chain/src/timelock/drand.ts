/**
 * drand quicknet: the beacon subtensor's drand pallet stores and timelocked weight commits target.
 * Scheme `bls-unchained-g1-rfc9380`: the signature of round R is a G1 point,
 * `sk · hash_to_curve_G1(sha256(R as u64 big-endian))`, checked against a G2 public key.
 *
 * Round arithmetic is drand's: round 1 was emitted at genesis, round R at
 * `genesis + (R - 1) · period`, and the latest round at time t is `floor((t - genesis) / period) + 1`.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { U64_MAX, u64le } from './bytes.js';
import { TimelockError } from './timelockError.js';

type G1Point = ReturnType<typeof bls12_381.G1.Point.fromBytes>;
type G2Point = ReturnType<typeof bls12_381.G2.Point.fromBytes>;

export const QUICKNET = {
  chainHash: '52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971',
  /** G2, compressed (96 bytes). */
  publicKey:
    '83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a',
  periodS: 3,
  genesisTime: 1_692_803_367,
  /** Domain separation tag of the hash to G1 (RFC 9380). */
  dst: 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_',
} as const;

/** The latest quicknet round emitted at `unixSeconds` (0 before genesis). */
export function roundAt(unixSeconds: number): bigint {
  if (!Number.isFinite(unixSeconds) || unixSeconds < QUICKNET.genesisTime) return 0n;
  return BigInt(Math.floor((unixSeconds - QUICKNET.genesisTime) / QUICKNET.periodS)) + 1n;
}

/** Unix time (seconds) at which quicknet emits `round` (round 0 and 1: genesis). */
export function roundTime(round: bigint): number {
  if (round <= 1n) return QUICKNET.genesisTime;
  return QUICKNET.genesisTime + Number(round - 1n) * QUICKNET.periodS;
}

/** The message drand signs for a round: sha256 of the round as a u64 big-endian. */
export function roundMessage(round: bigint): Uint8Array {
  if (typeof round !== 'bigint' || round < 0n || round > U64_MAX) {
    throw new TimelockError('malformed', `round ${round} is not a u64`);
  }
  return sha256(u64le(round).reverse());
}

const identityCache = new Map<bigint, G1Point>();

/** The IBE identity of a round: `hash_to_curve_G1(roundMessage(round))` (memoised, small cache). */
export function roundIdentity(round: bigint): G1Point {
  let q = identityCache.get(round);
  if (q === undefined) {
    const h = bls12_381.G1.hashToCurve(roundMessage(round), { DST: QUICKNET.dst });
    q = bls12_381.G1.Point.fromAffine(h.toAffine());
    if (identityCache.size >= 64) identityCache.clear();
    identityCache.set(round, q);
  }
  return q;
}

let publicKeyPoint: G2Point | undefined;

/** The quicknet public key as a point (parsed once). */
export function quicknetPublicKey(): G2Point {
  publicKeyPoint ??= bls12_381.G2.Point.fromBytes(hexToBytes(QUICKNET.publicKey));
  return publicKeyPoint;
}

/**
 * A compressed G1 point (48 bytes) as arkworks would accept it: canonical encoding (re-encodes to
 * the same bytes), on the curve, in the prime-order subgroup, not the identity.
 */
export function decodeSignature(signature: Uint8Array): G1Point {
  if (signature.length !== 48) {
    throw new TimelockError('point', `a pulse signature is 48 bytes, got ${signature.length}`);
  }
  let p: G1Point;
  try {
    // A copy: the decoder clears flag bits in `bytes.slice()`, which for a Node Buffer is a view
    // of the caller's bytes, not a copy.
    p = bls12_381.G1.Point.fromBytes(Uint8Array.from(signature));
  } catch (cause) {
    throw new TimelockError('point', 'the pulse signature is not a G1 point', { cause });
  }
  if (p.is0() || !bytesEqual(p.toBytes(true), signature)) {
    throw new TimelockError('point', 'the pulse signature is not a canonical non-zero G1 point');
  }
  return p;
}

/**
 * True when `signature` (compressed G1, 48 bytes) is quicknet's signature of `round`:
 * `e(signature, g2) == e(H(round), publicKey)`. Malformed or off-curve signatures, and rounds
 * that are not u64, give false.
 */
export function verifyPulse(round: bigint, signature: Uint8Array): boolean {
  let sig: G1Point;
  let identity: G1Point;
  try {
    sig = decodeSignature(signature);
    identity = roundIdentity(round);
  } catch {
    return false;
  }
  const { Fp12 } = bls12_381.fields;
  const product = bls12_381.pairingBatch([
    { g1: sig, g2: bls12_381.G2.Point.BASE.negate() },
    { g1: identity, g2: quicknetPublicKey() },
  ]);
  return Fp12.eql(product, Fp12.ONE);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}
