import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';

/** Bittensor's SS58 prefix (42, the generic Substrate one). */
export const SS58_FORMAT = 42;

let ready: Promise<boolean> | undefined;

/** Waits for the WASM crypto that sr25519 needs. Safe to call many times. */
export function cryptoReady(): Promise<boolean> {
  ready ??= cryptoWaitReady();
  return ready;
}

export function newKeyring(): Keyring {
  return new Keyring({ type: 'sr25519', ss58Format: SS58_FORMAT });
}

/** An sr25519 pair from a secret URI (`//Alice`, a mnemonic, `0x` seed, with `//path`s). */
export async function keypairFromUri(uri: string): Promise<KeyringPair> {
  await cryptoReady();
  return newKeyring().addFromUri(uri);
}

export type { KeyringPair };
