/**
 * Boneh-Franklin identity-based encryption (FullIdent) of a 32-byte key to a drand round, as the
 * `timelock` crate behind subtensor and `bittensor_drand` does it (G1 identities and signatures,
 * G2 ciphertext point and public key):
 *
 *   r = H3(σ, k) = sha256(σ ‖ k) read big-endian, mod the group order
 *   U = r · g2
 *   V = σ ⊕ H2(e(Q_id, r · P_pub))        H2(g) = sha256(arkworks bytes of g ∈ GT)
 *   W = k ⊕ H4(σ)                         H4(σ) = sha256(σ)
 *
 * Decryption with the round's signature s = sk · Q_id: σ = V ⊕ H2(e(s, U)), k = W ⊕ H4(σ), and
 * U must equal H3(σ, k) · g2 (this is what rejects a signature of another round).
 *
 * The one trap is H2's input: arkworks serialises a GT element as its 12 Fp coefficients in tower
 * order (c0.c0.c0, c0.c0.c1, c0.c1.c0, … c1.c2.c1), each 48 bytes LITTLE-endian; noble's
 * `Fp12.toBytes` is big-endian, so the bytes are written here.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from './bytes.js';
import { quicknetPublicKey, roundIdentity } from './drand.js';
import { TimelockError } from './timelockError.js';

type G1Point = ReturnType<typeof bls12_381.G1.Point.fromBytes>;
type G2Point = ReturnType<typeof bls12_381.G2.Point.fromBytes>;
type Gt = ReturnType<typeof bls12_381.pairing>;

const FP_BYTES = 48;

/** arkworks `serialize_compressed` of a GT element (576 bytes). */
export function gtBytes(g: Gt): Uint8Array {
  const coeffs = [g.c0, g.c1].flatMap((fp6) =>
    [fp6.c0, fp6.c1, fp6.c2].flatMap((fp2) => [fp2.c0, fp2.c1]),
  );
  const out = new Uint8Array(coeffs.length * FP_BYTES);
  coeffs.forEach((c, i) => {
    let x = c;
    for (let j = 0; j < FP_BYTES; j++) {
      out[i * FP_BYTES + j] = Number(x & 0xffn);
      x >>= 8n;
    }
  });
  return out;
}

function xor32(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}

function h3(sigma: Uint8Array, key: Uint8Array): bigint {
  return bls12_381.fields.Fr.create(bytesToNumberBE(sha256(concatBytes(sigma, key))));
}

export interface IbeCiphertext {
  u: G2Point;
  v: Uint8Array;
  w: Uint8Array;
}

/** Encrypts the 32-byte `key` to `round`, with the 32 random bytes `sigma`. */
export function ibeEncrypt(key: Uint8Array, round: bigint, sigma: Uint8Array): IbeCiphertext {
  const r = h3(sigma, key);
  if (r === 0n) throw new TimelockError('malformed', 'degenerate randomness (r = 0)');
  const u = bls12_381.G2.Point.BASE.multiply(r);
  // e(Q, r·P) = e(r·Q, P): the scalar goes on G1 (cheaper), P's pairing precomputes are reused.
  const gid = bls12_381.pairing(roundIdentity(round).multiply(r), quicknetPublicKey());
  return { u, v: xor32(sigma, sha256(gtBytes(gid))), w: xor32(key, sha256(sigma)) };
}

/** Recovers the 32-byte key with the round's signature; a signature that does not open it throws. */
export function ibeDecrypt(ct: IbeCiphertext, signature: G1Point): Uint8Array {
  const sigma = xor32(ct.v, sha256(gtBytes(bls12_381.pairing(signature, ct.u))));
  const key = xor32(ct.w, sha256(sigma));
  const r = h3(sigma, key);
  if (r === 0n || !bls12_381.G2.Point.BASE.multiply(r).equals(ct.u)) {
    throw new TimelockError(
      'signature',
      'the signature does not open this ciphertext (a pulse of another round?)',
    );
  }
  return key;
}
