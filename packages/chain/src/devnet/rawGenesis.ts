import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compactAddLength,
  compactFromU8a,
  hexToU8a,
  stringToHex,
  u8aToBn,
  u8aToHex,
  u8aToString,
} from '@polkadot/util';
import { ChainError, ChainErrorCode } from '../errors.js';
import { sha256Hex, writeFileAtomic } from './chainSpec.js';

/** A raw chain spec: the genesis storage, key by key (what chopsticks starts from). */
export interface RawChainSpec {
  id: string;
  name: string;
  properties: Record<string, unknown>;
  genesis: { raw: { top: Record<string, string> } };
  [k: string]: unknown;
}

/** A plain chain spec: the runtime code and a genesis-config patch (or a whole config). */
interface PlainChainSpec {
  genesis: { runtimeGenesis: { code: string; patch?: unknown; config?: unknown } };
  [k: string]: unknown;
}

/** The host side of a runtime call (chopsticks' `JsCallback`). */
interface TaskHost {
  getStorage(key: string): Promise<string | undefined>;
  getNextKey(prefix: string, key: string): Promise<string | undefined>;
  offchainGetStorage(key: string): Promise<string | undefined>;
  offchainTimestamp(): Promise<number>;
  offchainRandomSeed(): Promise<string>;
  offchainSubmitTransaction(tx: string): Promise<boolean>;
}

/** chopsticks-core's `runTask` (passed in: chopsticks is loaded lazily by its callers). */
export type RunTask = (
  task: {
    wasm: `0x${string}`;
    calls: [string, `0x${string}`[]][];
    mockSignatureHost: boolean;
    allowUnresolvedImports: boolean;
    runtimeLogLevel: number;
  },
  host: TaskHost,
) => Promise<
  | { Call: { result: `0x${string}`; storageDiff: [`0x${string}`, `0x${string}` | null][] } }
  | { Error: string }
>;

const CODE_KEY = stringToHex(':code');

/** Runtime calls on empty storage, with no offchain worker. */
const EMPTY_STORAGE: TaskHost = {
  getStorage: async () => undefined,
  getNextKey: async () => undefined,
  offchainGetStorage: async () => undefined,
  offchainTimestamp: async () => Date.now(),
  offchainRandomSeed: async () => `0x${'00'.repeat(32)}`,
  offchainSubmitTransaction: async () => false,
};
/** Bumped when the build below changes, so that older cached results are not reused. */
const BUILD_VERSION = 1;

/** A chain spec ready for chopsticks, and what the file it came from was. */
export interface LoadedChainSpec {
  readonly spec: RawChainSpec;
  /** sha256 of the file as read (before any plain -> raw build). */
  readonly sha256: string;
  readonly format: 'raw' | 'plain';
}

const loaded = new Map<string, LoadedChainSpec>();

/**
 * Reads a chain spec, raw or plain (told apart by content). A plain spec is built into a raw
 * one by its own runtime (`buildRawGenesis`) once per machine: the result is cached in
 * `cacheDir` under the plain file's sha256.
 */
export async function loadRawChainSpec(
  path: string,
  options: { cacheDir: string; runTask: RunTask },
): Promise<LoadedChainSpec> {
  const bytes = readFileSync(path);
  const sha = sha256Hex(bytes);
  const known = loaded.get(sha);
  if (known) return known;
  const spec = JSON.parse(bytes.toString('utf8')) as Partial<RawChainSpec & PlainChainSpec>;
  let raw: RawChainSpec;
  let format: LoadedChainSpec['format'] = 'plain';
  if (spec.genesis && 'raw' in spec.genesis && spec.genesis.raw?.top) {
    raw = spec as RawChainSpec;
    format = 'raw';
  } else if (
    spec.genesis &&
    'runtimeGenesis' in spec.genesis &&
    spec.genesis.runtimeGenesis?.code
  ) {
    const cached = join(options.cacheDir, `raw-v${BUILD_VERSION}-${sha}.json`);
    const fromCache = existsSync(cached) ? readCached(cached) : undefined;
    if (fromCache) {
      raw = fromCache;
    } else {
      raw = await buildRawGenesis(spec as PlainChainSpec, options.runTask);
      writeFileAtomic(cached, JSON.stringify(raw));
    }
  } else {
    throw new ChainError(
      ChainErrorCode.ChainSpec,
      `${path} is neither a raw chain spec (genesis.raw.top) nor a plain one (genesis.runtimeGenesis.code)`,
    );
  }
  const result = { spec: raw, sha256: sha, format };
  loaded.set(sha, result);
  return result;
}

function readCached(path: string): RawChainSpec | undefined {
  try {
    const spec = JSON.parse(readFileSync(path, 'utf8')) as RawChainSpec;
    return spec.genesis?.raw?.top?.[CODE_KEY] ? spec : undefined;
  } catch {
    return undefined; // unreadable: built again and replaced
  }
}

/**
 * Plain -> raw, as a node does it: the runtime's default genesis config
 * (`GenesisBuilder_get_preset(None)`), the spec's patch merged into it (JSON merge: objects
 * key by key, anything else replaced), then `GenesisBuilder_build_state(config)` on empty
 * storage; its storage writes plus `:code` are the raw genesis.
 */
export async function buildRawGenesis(
  plain: PlainChainSpec,
  runTask: RunTask,
): Promise<RawChainSpec> {
  const { genesis, ...rest } = plain;
  const code = genesis.runtimeGenesis.code as `0x${string}`;
  let config = genesis.runtimeGenesis.config;
  if (config === undefined) {
    const preset = hexToU8a(await call(runTask, code, 'GenesisBuilder_get_preset', '0x00'));
    if (preset[0] !== 1) {
      throw new ChainError(ChainErrorCode.ChainSpec, 'the runtime has no default genesis preset');
    }
    const [offset, length] = compactFromU8a(preset.subarray(1));
    const json = u8aToString(preset.subarray(1 + offset, 1 + offset + length.toNumber()));
    config = jsonMerge(JSON.parse(json), genesis.runtimeGenesis.patch ?? {});
  }
  const arg = u8aToHex(compactAddLength(new TextEncoder().encode(JSON.stringify(config))));
  const built = await runTask(
    {
      wasm: code,
      calls: [['GenesisBuilder_build_state', [arg]]],
      mockSignatureHost: false,
      allowUnresolvedImports: true,
      runtimeLogLevel: 0,
    },
    EMPTY_STORAGE,
  );
  if ('Error' in built) {
    throw new ChainError(ChainErrorCode.ChainSpec, `GenesisBuilder_build_state: ${built.Error}`);
  }
  // Result<(), String>: 0x00 is Ok.
  const result = hexToU8a(built.Call.result);
  if (result[0] !== 0) {
    const [offset, length] = compactFromU8a(result.subarray(1));
    const why = u8aToString(result.subarray(1 + offset, 1 + offset + length.toNumber()));
    throw new ChainError(ChainErrorCode.ChainSpec, `GenesisBuilder_build_state refused: ${why}`);
  }
  const top: Record<string, string> = {};
  for (const [key, value] of built.Call.storageDiff) if (value !== null) top[key] = value;
  top[CODE_KEY] = code;
  return { ...rest, genesis: { raw: { top } } } as RawChainSpec;
}

/** JSON merge patch semantics of polkadot-sdk's `json_merge`: objects merged, the rest replaced. */
export function jsonMerge(base: unknown, patch: unknown): unknown {
  if (!isObject(base) || !isObject(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) out[key] = jsonMerge(base[key], value);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function call(
  runTask: RunTask,
  wasm: `0x${string}`,
  method: string,
  arg?: `0x${string}`,
): Promise<`0x${string}`> {
  const res = await runTask(
    {
      wasm,
      calls: [[method, arg ? [arg] : []]],
      mockSignatureHost: false,
      // The runtime may import host functions that chopsticks lacks (spec 293: bls12_381).
      allowUnresolvedImports: true,
      runtimeLogLevel: 0,
    },
    EMPTY_STORAGE,
  );
  if ('Error' in res) throw new ChainError(ChainErrorCode.ChainSpec, `${method}: ${res.Error}`);
  return res.Call.result;
}

const slots = new Map<string, Promise<number>>();

/** The Aura slot duration (ms) that the runtime in `spec` answers (`AuraApi_slot_duration`). */
export function auraSlotDuration(spec: RawChainSpec, runTask: RunTask): Promise<number> {
  const code = genesisCode(spec);
  let slot = slots.get(code);
  if (!slot) {
    slot = call(runTask, code, 'AuraApi_slot_duration').then((hex) =>
      u8aToBn(hexToU8a(hex).subarray(0, 8)).toNumber(),
    );
    slot.catch(() => slots.delete(code));
    slots.set(code, slot);
  }
  return slot;
}

/** The genesis runtime code (`:code`) of a raw spec. */
export function genesisCode(spec: RawChainSpec): `0x${string}` {
  const code = spec.genesis.raw.top[CODE_KEY];
  if (!code) throw new ChainError(ChainErrorCode.ChainSpec, 'the chain spec has no :code');
  return code as `0x${string}`;
}
