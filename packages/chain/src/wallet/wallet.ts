import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex } from '@polkadot/util';
import { mnemonicGenerate, mnemonicToMiniSecret, mnemonicValidate } from '@polkadot/util-crypto';
import { ChainError, ChainErrorCode } from '../errors.js';
import { cryptoReady, newKeyring } from '../keys.js';
import {
  ed25519ToCanonicalSecret,
  type KeyfileJson,
  keyfileFormat,
  keyfileJsonFromMnemonic,
  keypairFromKeyfileJson,
  parseKeyfileJson,
  publicKeyfileJson,
} from './keyfile.js';
import { naclDecrypt, naclEncrypt } from './nacl.js';

/**
 * `~/.bittensor/wallets`, or `BT_WALLET_PATH` when `env` sets it (the library reads no
 * environment itself: a CLI passes its own).
 */
export function defaultWalletPath(env: Readonly<Record<string, string | undefined>> = {}): string {
  return env.BT_WALLET_PATH ?? join(homedir(), '.bittensor', 'wallets');
}

export interface WalletRef {
  /** Wallet (coldkey) name. */
  name: string;
  /** Hotkey name (default `default`). */
  hotkey?: string;
  /** Wallets directory (default `defaultWalletPath()`). */
  path?: string;
}

export function walletPaths(ref: WalletRef) {
  const dir = join(ref.path ?? defaultWalletPath(), ref.name);
  const hotkey = ref.hotkey ?? 'default';
  return {
    dir,
    coldkey: join(dir, 'coldkey'),
    coldkeypub: join(dir, 'coldkeypub.txt'),
    hotkey: join(dir, 'hotkeys', hotkey),
    hotkeypub: join(dir, 'hotkeys', `${hotkey}pub.txt`),
  };
}

/** Reads a key file holding a secret, refusing one that others can read or write. */
function readSecretFile(path: string): Uint8Array {
  if (!existsSync(path))
    throw new ChainError(ChainErrorCode.KeyfileNotFound, `no key file at ${path}`);
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new ChainError(
      ChainErrorCode.KeyfileInsecure,
      `${path} is readable or writable by others (mode ${mode.toString(8)}); run: chmod 600 '${path}'`,
    );
  }
  return readFileSync(path);
}

async function decodeSecretKeyfile(path: string, password?: string): Promise<KeyringPair> {
  const data = readSecretFile(path);
  const format = keyfileFormat(data);
  switch (format) {
    case 'plain':
      return keypairFromKeyfileJson(parseKeyfileJson(data, path), path);
    case 'nacl': {
      if (password === undefined) {
        throw new ChainError(
          ChainErrorCode.KeyfileWrongPassword,
          `${path} is encrypted: a password is needed`,
        );
      }
      const plain = await naclDecrypt(data, password, path);
      try {
        return await keypairFromKeyfileJson(parseKeyfileJson(plain, path), path);
      } finally {
        plain.fill(0);
      }
    }
    case 'ansible':
    case 'legacy':
      throw new ChainError(
        ChainErrorCode.KeyfileUnsupported,
        `${path} uses the legacy ${format} encryption, which this package does not read; ` +
          're-encrypt it to the NaCl format with btcli (`btcli wallet update`), or regenerate the wallet',
      );
    default:
      throw new ChainError(ChainErrorCode.KeyfileUnsupported, `${path}: unknown key file format`);
  }
}

/** Loads a wallet's hotkey (usually unencrypted; pass `password` when it is NaCl-encrypted). */
export function loadHotkey(
  ref: WalletRef,
  options: { password?: string } = {},
): Promise<KeyringPair> {
  return decodeSecretKeyfile(walletPaths(ref).hotkey, options.password);
}

/** Loads and, when encrypted, decrypts a wallet's coldkey (NaCl format; Argon2i takes seconds). */
export function loadColdkey(
  ref: WalletRef,
  options: { password?: string } = {},
): Promise<KeyringPair> {
  return decodeSecretKeyfile(walletPaths(ref).coldkey, options.password);
}

/** The coldkey's SS58 address from `coldkeypub.txt` (no secret involved). */
export function loadColdkeyPub(ref: WalletRef): string {
  const path = walletPaths(ref).coldkeypub;
  if (!existsSync(path))
    throw new ChainError(ChainErrorCode.KeyfileNotFound, `no key file at ${path}`);
  const json = parseKeyfileJson(readFileSync(path), path);
  if (!json.ss58Address)
    throw new ChainError(ChainErrorCode.KeyfileCorrupt, `${path}: no ss58Address`);
  return json.ss58Address;
}

function writeKeyfile(path: string, json: KeyfileJson | Uint8Array, overwrite: boolean): void {
  if (existsSync(path) && !overwrite) {
    throw new ChainError(ChainErrorCode.KeyfileExists, `${path} exists; refusing to overwrite it`);
  }
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  const data = json instanceof Uint8Array ? json : Buffer.from(JSON.stringify(json));
  writeFileSync(path, data, { mode: 0o600 });
}

export interface CreateKeyOptions {
  /** Use this mnemonic instead of a fresh 12-word one. */
  mnemonic?: string;
  /** Encrypt the key file (NaCl format) with this password. */
  password?: string;
  overwrite?: boolean;
}

async function pairFromMnemonic(
  mnemonic: string,
): Promise<{ pair: KeyringPair; json: KeyfileJson }> {
  await cryptoReady();
  if (!mnemonicValidate(mnemonic)) {
    throw new ChainError(
      ChainErrorCode.InvalidArgument,
      'the mnemonic is not a valid BIP-39 phrase',
    );
  }
  const seed = mnemonicToMiniSecret(mnemonic);
  const pair = newKeyring().addFromSeed(seed);
  const json = keyfileJsonFromMnemonic(pair, mnemonic, seed);
  seed.fill(0);
  return { pair, json };
}

async function secretFileBytes(
  json: KeyfileJson,
  password?: string,
): Promise<KeyfileJson | Uint8Array> {
  if (password === undefined) return json;
  return naclEncrypt(Buffer.from(JSON.stringify(json)), password);
}

async function createKey(
  secretPath: string,
  publicPath: string,
  options: CreateKeyOptions,
): Promise<{ address: string; mnemonic: string }> {
  const mnemonic = options.mnemonic ?? mnemonicGenerate(12);
  const { pair, json } = await pairFromMnemonic(mnemonic);
  writeKeyfile(
    secretPath,
    await secretFileBytes(json, options.password),
    options.overwrite ?? false,
  );
  writeKeyfile(publicPath, publicKeyfileJson(pair), true);
  return { address: pair.address, mnemonic };
}

/** Creates the coldkey (and coldkeypub.txt) of a wallet. Returns the mnemonic: show it once. */
export function createColdkey(
  ref: WalletRef,
  options: CreateKeyOptions = {},
): Promise<{ address: string; mnemonic: string }> {
  const paths = walletPaths(ref);
  return createKey(paths.coldkey, paths.coldkeypub, options);
}

/** Creates a hotkey of a wallet (unencrypted, as btcli does by default). */
export function createHotkey(
  ref: WalletRef,
  options: CreateKeyOptions = {},
): Promise<{ address: string; mnemonic: string }> {
  const paths = walletPaths(ref);
  return createKey(paths.hotkey, paths.hotkeypub, options);
}

/** Writes a key from a secret URI (`//Alice`): for dev wallets on local networks only. */
export async function writeKeyFromUri(
  path: string,
  pubPath: string,
  uri: string,
  overwrite = false,
): Promise<string> {
  await cryptoReady();
  const pair = newKeyring().addFromUri(uri);
  const secret = pair.encodePkcs8().subarray(16, 80);
  const pk = publicKeyfileJson(pair);
  writeKeyfile(path, { ...pk, privateKey: u8aToHex(ed25519ToCanonicalSecret(secret)) }, overwrite);
  writeKeyfile(pubPath, pk, true);
  return pair.address;
}

export interface WalletListing {
  name: string;
  /** SS58 of the coldkey, when coldkeypub.txt is readable. */
  coldkey?: string;
  hotkeys: Array<{ name: string; address?: string }>;
}

/** The wallets under `path`, with their coldkey and hotkey addresses (public files only). */
export function listWallets(path: string = defaultWalletPath()): WalletListing[] {
  if (!existsSync(path)) return [];
  const out: WalletListing[] = [];
  for (const name of readdirSync(path).sort()) {
    const dir = join(path, name);
    if (!statSync(dir).isDirectory()) continue;
    let coldkey: string | undefined;
    try {
      coldkey = loadColdkeyPub({ name, path });
    } catch {
      coldkey = undefined;
    }
    const hotkeys: WalletListing['hotkeys'] = [];
    const hkDir = join(dir, 'hotkeys');
    if (existsSync(hkDir)) {
      for (const f of readdirSync(hkDir).sort()) {
        if (f.endsWith('pub.txt')) continue;
        let address: string | undefined;
        for (const candidate of [join(hkDir, `${f}pub.txt`), join(hkDir, f)]) {
          if (address || !existsSync(candidate)) continue;
          try {
            const data = readFileSync(candidate);
            if (keyfileFormat(data) === 'plain')
              address = parseKeyfileJson(data, candidate).ss58Address;
          } catch {
            address = undefined;
          }
        }
        hotkeys.push(address ? { name: f, address } : { name: f });
      }
    }
    out.push(coldkey ? { name, coldkey, hotkeys } : { name, hotkeys });
  }
  return out;
}
