import { ChainError, ChainErrorCode } from '../errors.js';

/** bittensor_wallet's fixed Argon2i salt for NaCl-encrypted key files. */
export const NACL_SALT = new Uint8Array([
  0x13, 0x71, 0x83, 0xdf, 0xf1, 0x5a, 0x09, 0xbc, 0x9c, 0x90, 0xb5, 0x51, 0x87, 0x39, 0xe9, 0xb1,
]);
const PREFIX = new TextEncoder().encode('$NACL');

type Sodium = typeof import('libsodium-wrappers-sumo');
let sodium: Promise<Sodium> | undefined;

/** libsodium (WASM, with Argon2) is loaded only when a key file needs it. */
function loadSodium(): Promise<Sodium> {
  sodium ??= import('libsodium-wrappers-sumo').then(async (m) => {
    const s = ((m as unknown as { default?: Sodium }).default ?? m) as Sodium;
    await s.ready;
    return s;
  });
  return sodium;
}

async function deriveKey(s: Sodium, password: string): Promise<Uint8Array> {
  // libsodium's argon2i13 SENSITIVE limits (8 passes, 512 MiB), as PyNaCl / bittensor_wallet use.
  return s.crypto_pwhash(
    s.crypto_secretbox_KEYBYTES,
    password,
    NACL_SALT,
    s.crypto_pwhash_argon2i_OPSLIMIT_SENSITIVE,
    s.crypto_pwhash_argon2i_MEMLIMIT_SENSITIVE,
    s.crypto_pwhash_ALG_ARGON2I13,
  );
}

/** Decrypts `$NACL` + nonce(24) + secretbox(ciphertext). Slow on purpose (Argon2i, 512 MiB). */
export async function naclDecrypt(
  data: Uint8Array,
  password: string,
  source: string,
): Promise<Uint8Array> {
  const s = await loadSodium();
  const body = data.subarray(PREFIX.length);
  const nonce = body.subarray(0, s.crypto_secretbox_NONCEBYTES);
  const box = body.subarray(s.crypto_secretbox_NONCEBYTES);
  const key = await deriveKey(s, password);
  try {
    return s.crypto_secretbox_open_easy(box, nonce, key);
  } catch (cause) {
    throw new ChainError(
      ChainErrorCode.KeyfileWrongPassword,
      `${source}: wrong password for the NaCl-encrypted key`,
      {
        cause,
      },
    );
  } finally {
    key.fill(0);
  }
}

/** Encrypts key file bytes in the NaCl format that btcli reads. */
export async function naclEncrypt(plain: Uint8Array, password: string): Promise<Uint8Array> {
  const s = await loadSodium();
  const key = await deriveKey(s, password);
  try {
    const nonce = s.randombytes_buf(s.crypto_secretbox_NONCEBYTES);
    const box = s.crypto_secretbox_easy(plain, nonce, key);
    const out = new Uint8Array(PREFIX.length + nonce.length + box.length);
    out.set(PREFIX, 0);
    out.set(nonce, PREFIX.length);
    out.set(box, PREFIX.length + nonce.length);
    return out;
  } finally {
    key.fill(0);
  }
}
