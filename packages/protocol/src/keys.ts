/**
 * sr25519 hotkeys. Keys are derived with `@polkadot/keyring`/`util-crypto` (secret URIs, dev paths);
 * signing and verification (`verifier.ts`), which an axon does on every request, run schnorrkel
 * compiled to wasm (`@polkadot-labs/schnorrkel-wasm`), several times faster than the pure-JS path.
 */

import { DEV_PHRASE, Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aEq, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { sr25519_sign } from '@polkadot-labs/schnorrkel-wasm';
import { ProtocolError, ProtocolErrorCode } from './errors';
import { loadNativeSr25519 } from './nativeSr25519';

/** Bittensor's SS58 prefix (generic substrate). */
export const SS58_FORMAT = 42;

export interface Hotkey {
  /** SS58 address. */
  readonly address: string;
  readonly publicKey: Uint8Array;
  /** sr25519 signature (64 bytes) of the message bytes with the substrate signing context. */
  sign(message: Uint8Array | string): Uint8Array;
  /**
   * The 64-byte sr25519 secret, for signing on worker threads (`CryptoPool`); absent when the
   * key signs only through its keyring pair. A function, so the secret never lands in a log line
   * or a JSON dump of the hotkey.
   */
  readonly secretKey?: () => Uint8Array;
}

let readyPromise: Promise<boolean> | undefined;

/** Initializes the wasm crypto backend once; every key function awaits it. */
export function cryptoReady(): Promise<boolean> {
  readyPromise ??= cryptoWaitReady();
  return readyPromise;
}

const encoder = new TextEncoder();

/**
 * A hotkey signing from an sr25519 secret key (64 bytes, polkadot layout): with the native addon
 * when it is built (about 3.5x the wasm rate; an axon signs every answer), else schnorrkel-wasm.
 */
function fromSecret(address: string, publicKey: Uint8Array, secretKey: Uint8Array): Hotkey {
  const native = loadNativeSr25519().addon?.sign ? loadNativeSr25519().addon : null;
  return {
    address,
    publicKey,
    sign: (message) => {
      const bytes = typeof message === 'string' ? encoder.encode(message) : message;
      return (
        native?.sign?.(publicKey, secretKey, bytes) ?? sr25519_sign(publicKey, secretKey, bytes)
      );
    },
    secretKey: () => secretKey.slice(),
  };
}

// PKCS8 layout of an unencrypted polkadot sr25519 pair: header(16) | secret(64) | divider(5) | public(32)
const PKCS8_SECRET = [16, 80] as const;
const PKCS8_PUBLIC = [85, 117] as const;

/**
 * A hotkey from a keyring pair (e.g. one loaded from a wallet file). Signs with schnorrkel-wasm
 * when the pair's secret can be read (an unlocked sr25519 pair); otherwise through the pair.
 */
export function hotkeyFromPair(pair: KeyringPair): Hotkey {
  if (pair.type === 'sr25519' && !pair.isLocked) {
    try {
      const pkcs8 = pair.encodePkcs8();
      const secretKey = pkcs8.slice(...PKCS8_SECRET);
      if (pkcs8.length === PKCS8_PUBLIC[1] && u8aEq(pkcs8.slice(...PKCS8_PUBLIC), pair.publicKey)) {
        return fromSecret(pair.address, pair.publicKey, secretKey);
      }
    } catch {
      // fall through to the pair's own signing
    }
  }
  return {
    address: pair.address,
    publicKey: pair.publicKey,
    sign: (message) => pair.sign(message),
  };
}

function fromPair(pair: KeyringPair): Hotkey {
  return hotkeyFromPair(pair);
}

/**
 * A hotkey from a secret URI: a dev path (`//Alice`), a mnemonic (with optional `//hard/soft`
 * path), or a 0x-hex 32-byte seed, as `btcli`/the SDK accept.
 */
export async function hotkeyFromUri(uri: string): Promise<Hotkey> {
  await cryptoReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: SS58_FORMAT });
  try {
    return fromPair(keyring.addFromUri(uri.startsWith('//') ? `${DEV_PHRASE}${uri}` : uri));
  } catch (cause) {
    throw new ProtocolError(
      ProtocolErrorCode.BadKey,
      'could not derive an sr25519 key from the given secret URI',
      {
        cause,
      },
    );
  }
}

/** A hotkey from a 32-byte seed. */
export async function hotkeyFromSeed(seed: Uint8Array): Promise<Hotkey> {
  if (seed.length !== 32) {
    throw new ProtocolError(
      ProtocolErrorCode.BadKey,
      `an sr25519 seed is 32 bytes, got ${seed.length}`,
    );
  }
  return hotkeyFromUri(u8aToHex(seed));
}

/** `0x` + lowercase hex, as the SDK writes signatures. */
export function signatureToHex(signature: Uint8Array): string {
  return `0x${Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString('hex')}`;
}
