/**
 * sr25519 signature verification for the axon's hot path, with a bounded LRU of SS58 → public
 * key decodes. schnorrkel runs natively when the addon (`native/sr25519.node`, built from
 * `native/sr25519` when cargo is present) loads, at the speed of the Python SDK's binding; else
 * compiled to wasm, about a third of that and still several times the pure-JS path. Either way
 * the same guards run first, in JavaScript, so both builds see only well-formed signatures.
 */

import { decodeAddress } from '@polkadot/util-crypto';
import { sr25519_verify } from '@polkadot-labs/schnorrkel-wasm';
import {
  loadNativeSr25519,
  NATIVE_ADDON_PATH,
  NATIVE_BUILD_COMMAND,
  type NativeSr25519,
} from './nativeSr25519';
import { isRistrettoEncoding } from './ristretto';

const HEX_SIG = /^0x[0-9a-fA-F]{128}$/;
const encoder = new TextEncoder();

/** Which schnorrkel build checks signatures. */
export type VerifierBackend = 'native' | 'wasm';

export interface SignatureVerifierOptions {
  /** SS58 decodes kept (default 4096). */
  cacheSize?: number;
  /**
   * `auto` (default): the native addon when it loads, else wasm. `native`: the addon or a thrown
   * error saying how to build it. `wasm`: always the wasm build.
   */
  backend?: 'auto' | VerifierBackend;
  /** Where the native addon is (default: `native/sr25519.node` in this package). */
  addonPath?: string;
}

export class SignatureVerifier {
  readonly #keys = new Map<string, Uint8Array | null>();
  readonly #capacity: number;
  readonly #native: NativeSr25519 | null;
  readonly #addonPath: string | undefined;

  constructor(options: SignatureVerifierOptions = {}) {
    this.#capacity = options.cacheSize ?? 4096;
    const wanted = options.backend ?? 'auto';
    const path = options.addonPath ?? NATIVE_ADDON_PATH;
    const load = wanted === 'wasm' ? null : loadNativeSr25519(path);
    if (wanted === 'native' && !load?.addon) {
      throw new Error(
        `SignatureVerifier backend 'native': the sr25519 addon is not available (${load?.error.message}). ` +
          `Build it with \`${NATIVE_BUILD_COMMAND}\` (needs cargo), or use backend 'auto' or 'wasm'.`,
        { cause: load?.error },
      );
    }
    this.#native = load?.addon ?? null;
    this.#addonPath = this.#native ? path : undefined;
  }

  /**
   * The 32-byte public key of an SS58 address, or null if it is not a valid address (on the wasm
   * backend, also when the key is not a Ristretto point: the wasm build panics on those).
   */
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
      // The identity (all zero bytes) is a valid encoding whose "signatures" anyone can make
      // (R = s·B checks out for every message); schnorrkel and the Python SDK accept them.
      if (key?.every((b) => b === 0)) key = null;
      if (key && !this.#native && !isRistrettoEncoding(key)) key = null;
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

  /** Which schnorrkel build checks signatures: `native` (the addon) or `wasm`. */
  get backend(): VerifierBackend {
    return this.#native ? 'native' : 'wasm';
  }

  /** The native addon's file, for worker threads to load the same build; undefined on wasm. */
  get addonPath(): string | undefined {
    return this.#addonPath;
  }

  /** True when `signatureHex` (0x + 128 hex) is `address`'s sr25519 signature of `message`. */
  verify(message: string | Uint8Array, signatureHex: string, address: string): boolean {
    const prepared = this.prepare(message, signatureHex, address);
    return prepared !== null && this.verifyPrepared(prepared);
  }

  /**
   * Every check short of the curve arithmetic, and the bytes that arithmetic needs; null when the
   * signature cannot be valid. `verifyPrepared` (here or on a worker thread) does the rest.
   */
  prepare(
    message: string | Uint8Array,
    signatureHex: string,
    address: string,
  ): PreparedSignature | null {
    if (!HEX_SIG.test(signatureHex)) return null;
    const key = this.publicKey(address);
    if (!key) return null;
    const signature = Buffer.from(signatureHex.slice(2), 'hex');
    // sr25519 signatures carry schnorrkel's marker bit; without it there is nothing to verify.
    if (((signature[63] as number) & 0x80) === 0) return null;
    // A scalar schnorrkel would refuse as non-canonical is refused here: the wasm build panics on
    // it and prints a stack trace to stderr, which any peer could otherwise repeat at will.
    if (!canonicalScalar(signature)) return null;
    const bytes = typeof message === 'string' ? encoder.encode(message) : message;
    return { key, message: bytes, signature };
  }

  /** The schnorrkel check of what `prepare` returned. */
  verifyPrepared(p: PreparedSignature): boolean {
    try {
      return this.#native
        ? this.#native.verify(p.key, p.message, p.signature)
        : sr25519_verify(p.key, p.message, p.signature);
    } catch {
      return false;
    }
  }

  /**
   * True when every item is valid (and for none). On the native backend the signatures are
   * checked together, at roughly 1.5 to 2 times the single rate per signature (8 to 32 items, a
   * few distinct keys); false says only that one or more is invalid, so a caller that must know
   * which verifies them one by one.
   */
  verifyBatch(
    items: readonly { message: string | Uint8Array; signatureHex: string; address: string }[],
  ): boolean {
    const prepared: PreparedSignature[] = [];
    for (const { message, signatureHex, address } of items) {
      const p = this.prepare(message, signatureHex, address);
      if (!p) return false;
      prepared.push(p);
    }
    return this.verifyPreparedBatch(prepared);
  }

  /** `verifyBatch` of what `prepare` returned. */
  verifyPreparedBatch(batch: readonly PreparedSignature[]): boolean {
    if (batch.length === 0) return true;
    if (!this.#native || batch.length === 1) return batch.every((p) => this.verifyPrepared(p));
    const n = batch.length;
    const keys = new Uint8Array(32 * n);
    const signatures = new Uint8Array(64 * n);
    const ends = new Uint32Array(n);
    let total = 0;
    for (const p of batch) total += p.message.length;
    const messages = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const p = batch[i] as PreparedSignature;
      if (p.key.length !== 32 || p.signature.length !== 64) return false;
      keys.set(p.key, 32 * i);
      signatures.set(p.signature, 64 * i);
      messages.set(p.message, at);
      at += p.message.length;
      ends[i] = at;
    }
    try {
      return this.#native.verifyBatch(keys, messages, ends, signatures);
    } catch {
      return false;
    }
  }
}

/** What `SignatureVerifier.prepare` hands to schnorrkel. */
export interface PreparedSignature {
  /** 32-byte public key. */
  key: Uint8Array;
  message: Uint8Array;
  /** 64-byte signature. */
  signature: Uint8Array;
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
