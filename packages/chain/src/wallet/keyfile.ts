import type { KeyringPair } from '@polkadot/keyring/types';
import { hexToU8a, isHex, u8aToHex } from '@polkadot/util';
import { ChainError, ChainErrorCode } from '../errors.js';
import { cryptoReady, newKeyring } from '../keys.js';

/** The JSON a btcli key file holds (bittensor_wallet `serialized_keypair_to_keyfile_data`). */
export interface KeyfileJson {
  accountId?: string;
  publicKey?: string;
  /** 64 bytes: the sr25519 secret scalar (canonical form) then the nonce. */
  privateKey?: string;
  secretPhrase?: string;
  /** The 32-byte mini secret a mnemonic derives to. */
  secretSeed?: string;
  ss58Address?: string;
  cryptoType?: number;
}

export type KeyfileFormat = 'plain' | 'nacl' | 'ansible' | 'legacy' | 'unknown';

/** Which format the key file bytes are in (the same rules as bittensor_wallet). */
export function keyfileFormat(data: Uint8Array): KeyfileFormat {
  const head = Buffer.from(data.subarray(0, 16)).toString('latin1');
  if (head.startsWith('$NACL')) return 'nacl';
  if (head.startsWith('$ANSIBLE_VAULT')) return 'ansible';
  if (head.startsWith('gAAAAA')) return 'legacy';
  if (head.trimStart().startsWith('{')) return 'plain';
  return 'unknown';
}

/**
 * schnorrkel keeps two forms of the secret scalar: btcli files hold the canonical one
 * (`SecretKey::to_bytes`), @polkadot/keyring the "ed25519" one, which is the canonical scalar
 * times the cofactor 8 as a little-endian byte shift (`to_ed25519_bytes`).
 */
export function canonicalToEd25519Secret(secret64: Uint8Array): Uint8Array {
  const out = new Uint8Array(secret64);
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const b = out[i] as number;
    out[i] = ((b << 3) | carry) & 0xff;
    carry = b >> 5;
  }
  return out;
}

export function ed25519ToCanonicalSecret(secret64: Uint8Array): Uint8Array {
  const out = new Uint8Array(secret64);
  let carry = 0;
  for (let i = 31; i >= 0; i--) {
    const b = out[i] as number;
    out[i] = ((b >> 3) | (carry << 5)) & 0xff;
    carry = b & 7;
  }
  return out;
}

/** A signing pair from key file JSON: from the seed when present, else from the private key. */
export async function keypairFromKeyfileJson(
  json: KeyfileJson,
  source: string,
): Promise<KeyringPair> {
  await cryptoReady();
  const keyring = newKeyring();
  let pair: KeyringPair;
  if (json.secretSeed && isHex(json.secretSeed)) {
    pair = keyring.addFromSeed(hexToU8a(json.secretSeed));
  } else if (json.secretPhrase) {
    pair = keyring.addFromMnemonic(json.secretPhrase);
  } else if (json.privateKey && isHex(json.privateKey) && json.publicKey) {
    const secret = hexToU8a(json.privateKey);
    if (secret.length !== 64) {
      throw new ChainError(ChainErrorCode.KeyfileCorrupt, `${source}: privateKey is not 64 bytes`);
    }
    pair = keyring.addFromPair({
      publicKey: hexToU8a(json.publicKey),
      secretKey: canonicalToEd25519Secret(secret),
    });
  } else {
    throw new ChainError(
      ChainErrorCode.KeyfileCorrupt,
      `${source}: no secretSeed, secretPhrase or privateKey`,
    );
  }
  if (json.publicKey && u8aToHex(pair.publicKey) !== json.publicKey.toLowerCase()) {
    throw new ChainError(
      ChainErrorCode.KeyfileCorrupt,
      `${source}: the secret does not match publicKey`,
    );
  }
  // A pair from a private key cannot be checked by derivation: check that it signs verifiably.
  const probe = new Uint8Array([1, 2, 3]);
  if (!pair.verify(probe, pair.sign(probe), pair.publicKey)) {
    throw new ChainError(
      ChainErrorCode.KeyfileCorrupt,
      `${source}: the secret key does not sign for its public key`,
    );
  }
  return pair;
}

/** The key file JSON for a pair made from a mnemonic (as btcli writes it). */
export function keyfileJsonFromMnemonic(
  pair: KeyringPair,
  mnemonic: string,
  seed: Uint8Array,
): KeyfileJson {
  const pk = u8aToHex(pair.publicKey);
  const secret = pair.encodePkcs8().subarray(16, 80);
  return {
    accountId: pk,
    publicKey: pk,
    privateKey: u8aToHex(ed25519ToCanonicalSecret(secret)),
    secretPhrase: mnemonic,
    secretSeed: u8aToHex(seed),
    ss58Address: pair.address,
  };
}

/** Public-only key file JSON (`coldkeypub.txt`, `hotkeys/<name>pub.txt`). */
export function publicKeyfileJson(pair: Pick<KeyringPair, 'publicKey' | 'address'>): KeyfileJson {
  const pk = u8aToHex(pair.publicKey);
  return { accountId: pk, publicKey: pk, ss58Address: pair.address };
}

export function parseKeyfileJson(data: Uint8Array, source: string): KeyfileJson {
  try {
    const json = JSON.parse(Buffer.from(data).toString('utf8')) as KeyfileJson;
    if (typeof json !== 'object' || json === null) throw new Error('not an object');
    return json;
  } catch (cause) {
    throw new ChainError(
      ChainErrorCode.KeyfileCorrupt,
      `${source}: not a key file (${String(cause)})`,
      { cause },
    );
  }
}
