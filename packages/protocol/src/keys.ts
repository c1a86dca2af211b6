/**
 * sr25519 hotkeys. Signing goes through `@polkadot/keyring` (wasm backend); verification, the
 * axon's hot path, through `@polkadot-labs/schnorrkel-wasm` with a bounded cache of decoded
 * public keys (see `verifier.ts`).
 */
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { ProtocolError, ProtocolErrorCode } from './errors';

/** Bittensor's SS58 prefix (generic substrate). */
export const SS58_FORMAT = 42;

export interface Hotkey {
  /** SS58 address. */
  readonly address: string;
  readonly publicKey: Uint8Array;
  /** sr25519 signature (64 bytes) of the message bytes with the substrate signing context. */
  sign(message: Uint8Array | string): Uint8Array;
}

let readyPromise: Promise<boolean> | undefined;

/** Initializes the wasm crypto backend once; every key function awaits it. */
export function cryptoReady(): Promise<boolean> {
  readyPromise ??= cryptoWaitReady();
  return readyPromise;
}

function fromPair(pair: KeyringPair): Hotkey {
  return {
    address: pair.address,
    publicKey: pair.publicKey,
    sign: (message) => pair.sign(message),
  };
}

/**
 * A hotkey from a secret URI: a dev path (`//Alice`), a mnemonic (with optional `//hard/soft`
 * path), or a 0x-hex 32-byte seed, as `btcli`/the SDK accept.
 */
export async function hotkeyFromUri(uri: string): Promise<Hotkey> {
  await cryptoReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: SS58_FORMAT });
  try {
    return fromPair(keyring.addFromUri(uri));
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
  return u8aToHex(signature);
}
