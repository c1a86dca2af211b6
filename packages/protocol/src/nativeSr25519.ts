/**
 * The native sr25519 addon: schnorrkel compiled for this machine from `native/sr25519` (a Rust
 * crate) by `native/build.sh`, which puts it at `native/sr25519.node`. A fresh clone without cargo
 * has no addon; then `loadNativeSr25519` says why, and `SignatureVerifier` uses the wasm build.
 *
 * Loaded lazily, at most once per path and process. An addon that loads but fails a known-answer
 * check (a stale or foreign file) counts as absent.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The addon's exports (`native/sr25519/src/lib.rs`); both are total: bad input gives false. */
export interface NativeSr25519 {
  /** Whether `signature` (64 bytes) is `publicKey`'s (32 bytes) signature of `message`. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /**
   * Whether all n signatures are valid, checked together: `publicKeys` n × 32 bytes, `signatures`
   * n × 64, `messages` end to end with message i ending at `messageEnds[i]`. False for n = 0.
   */
  verifyBatch(
    publicKeys: Uint8Array,
    messages: Uint8Array,
    messageEnds: Uint32Array,
    signatures: Uint8Array,
  ): boolean;
  /**
   * `publicKey`'s signature (64 bytes) of `message` with the 64-byte polkadot-js secret key, or
   * null for keys of the wrong form. Absent from addons built before it existed.
   */
  sign?(publicKey: Uint8Array, secretKey: Uint8Array, message: Uint8Array): Uint8Array | null;
}

/** Where `native/build.sh` puts the addon. */
export const NATIVE_ADDON_PATH = fileURLToPath(new URL('../native/sr25519.node', import.meta.url));

/** The command that builds the addon (it needs cargo). */
export const NATIVE_BUILD_COMMAND = 'pnpm --filter @subnet/protocol build:native';

export type NativeLoad = { addon: NativeSr25519; error?: never } | { addon: null; error: Error };

const loads = new Map<string, NativeLoad>();

/** The addon at `path`, or null and the reason it could not be used. */
export function loadNativeSr25519(path: string = NATIVE_ADDON_PATH): NativeLoad {
  let load = loads.get(path);
  if (!load) {
    load = tryLoad(path);
    loads.set(path, load);
  }
  return load;
}

// A signature made with @scure/sr25519 (seed 0x01 × 32) of SELF_CHECK_MESSAGE.
const SELF_CHECK_KEY = Buffer.from(
  '189dac29296d31814dc8c56cf3d36a0543372bba7538fa322a4aebfebc39e056',
  'hex',
);
const SELF_CHECK_MESSAGE = new TextEncoder().encode('@subnet/protocol sr25519 addon self-check');
const SELF_CHECK_SIGNATURE = Buffer.from(
  'f0235796c43515a9d76866c051b422848f7aba07f8f703bb9c40006b35d492320b8c71a9f3404772d7364f1e1e3d88e2f1bf22c2da63f398b2242a260760bb83',
  'hex',
);

function tryLoad(path: string): NativeLoad {
  if (!existsSync(path)) return { addon: null, error: new Error(`no file at ${path}`) };
  try {
    const addon = createRequire(import.meta.url)(path) as Partial<NativeSr25519>;
    if (typeof addon.verify !== 'function' || typeof addon.verifyBatch !== 'function') {
      throw new Error('it does not export verify and verifyBatch');
    }
    const tampered = Uint8Array.from(SELF_CHECK_MESSAGE);
    tampered[0] = (tampered[0] as number) ^ 1;
    if (
      addon.verify(SELF_CHECK_KEY, SELF_CHECK_MESSAGE, SELF_CHECK_SIGNATURE) !== true ||
      addon.verify(SELF_CHECK_KEY, tampered, SELF_CHECK_SIGNATURE) !== false
    ) {
      throw new Error('it failed its known-answer check');
    }
    return { addon: addon as NativeSr25519 };
  } catch (cause) {
    // dlopen's message, without the require stack node appends to it
    const reason = (cause instanceof Error ? cause.message : String(cause)).split('\n')[0];
    return { addon: null, error: new Error(`cannot use ${path}: ${reason}`, { cause }) };
  }
}
