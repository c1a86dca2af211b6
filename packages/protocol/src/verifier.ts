/**
 * sr25519 signature verification for the axon's hot path: schnorrkel compiled to wasm (several
 * times faster than the pure-JS path), with a bounded LRU of SS58 → public key decodes.
 */

import { decodeAddress } from '@polkadot/util-crypto';
import { sr25519_verify } from '@polkadot-labs/schnorrkel-wasm';

const HEX_SIG = /^0x[0-9a-fA-F]{128}$/;
const encoder = new TextEncoder();

export class SignatureVerifier {
  readonly #keys = new Map<string, Uint8Array | null>();
  readonly #capacity: number;

  constructor(options: { cacheSize?: number } = {}) {
    this.#capacity = options.cacheSize ?? 4096;
  }

  /** The 32-byte public key of an SS58 address, or null if it is not a valid address. */
  publicKey(address: string): Uint8Array | null {
    const cached = this.#keys.get(address);
    if (cached !== undefined) {
      this.#keys.delete(address);
      this.#keys.set(address, cached);
      return cached;
    }
    let key: Uint8Array | null;
    try {
      key = address.length > 0 && address.length <= 64 ? decodeAddress(address) : null;
      if (key && key.length !== 32) key = null;
    } catch {
      key = null;
    }
    if (this.#keys.size >= this.#capacity) {
      const oldest = this.#keys.keys().next().value;
      if (oldest !== undefined) this.#keys.delete(oldest);
    }
    this.#keys.set(address, key);
    return key;
  }

  /** True when `signatureHex` (0x + 128 hex) is `address`'s sr25519 signature of `message`. */
  verify(message: string | Uint8Array, signatureHex: string, address: string): boolean {
    if (!HEX_SIG.test(signatureHex)) return false;
    const key = this.publicKey(address);
    if (!key) return false;
    const msg = typeof message === 'string' ? encoder.encode(message) : message;
    const sig = Buffer.from(signatureHex.slice(2), 'hex');
    // sr25519 signatures carry schnorrkel's marker bit; without it there is nothing to verify.
    if (((sig[63] as number) & 0x80) === 0) return false;
    // A scalar schnorrkel would refuse as non-canonical is refused here: the wasm build panics on
    // it and prints a stack trace to stderr, which any peer could otherwise repeat at will.
    if (!canonicalScalar(sig)) return false;
    try {
      return sr25519_verify(key, msg, sig);
    } catch {
      return false;
    }
  }
}

/** The group order ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const GROUP_ORDER = Uint8Array.from(
  Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex'),
);

/**
 * Whether the signature's scalar (bytes 32..63, marker bit cleared) is one schnorrkel accepts:
 * its top four bits clear, or else below the group order ℓ.
 */
export function canonicalScalar(signature: Uint8Array): boolean {
  const top = (signature[63] as number) & 0x7f;
  if ((top & 0xf0) === 0) return true;
  for (let i = 31; i >= 0; i--) {
    const byte = i === 31 ? top : (signature[32 + i] as number);
    const order = GROUP_ORDER[i] as number;
    if (byte !== order) return byte < order;
  }
  return false;
}
