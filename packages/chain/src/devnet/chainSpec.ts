import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChainError, ChainErrorCode } from '../errors.js';

/** The subtensor runtimes the devnet can run, by the spec_version of their genesis `:code`. */
export type DevnetRuntime = 'spec218' | 'spec293';

export const DEVNET_RUNTIMES: readonly DevnetRuntime[] = Object.freeze(['spec218', 'spec293']);

/** The runtime `startDevnet()` and `pnpm devnet` run unless told otherwise. */
export const DEFAULT_DEVNET_RUNTIME: DevnetRuntime = 'spec293';

export interface PinnedChainSpec {
  /** Where the file is public (a commit of opentensor/subtensor). */
  readonly url: string;
  readonly sha256: string;
  /** Its name in `../shared/subtensor/`. */
  readonly fileName: string;
  /** `raw`: `genesis.raw.top`; `plain`: `genesis.runtimeGenesis` (code + config patch). */
  readonly format: 'raw' | 'plain';
  /** Its runtime's Aura slot (`AuraApi_slot_duration`), so that a start need not ask it. */
  readonly slotMs: number;
}

/** The chain spec of each devnet runtime, pinned by content. */
export const PINNED_CHAIN_SPECS: Readonly<Record<DevnetRuntime, PinnedChainSpec>> = Object.freeze({
  /** Raw `raonet.json`: spec 218, the dTAO launch (February 2025). */
  spec218: {
    url: 'https://raw.githubusercontent.com/opentensor/subtensor/e2b8367b8be2d9ce60ae5858c49138fa05f44a68/scripts/specs/raonet.json',
    sha256: 'bb2c7e34390f8fb5032750cc7d80d23f91a47f56fdebf4c35a24c7938b96c57c',
    fileName: 'raonet.json',
    format: 'raw',
    slotMs: 3000,
  },
  /** Plain `aura-dev.json`: spec 293 (July 2025), built into a raw genesis on first use. */
  spec293: {
    url: 'https://raw.githubusercontent.com/opentensor/subtensor/f59e608b2128586215ea396156a1d04b14724888/aura-dev.json',
    sha256: 'c321edb119707219b5f3fe602ad2f3180cd9e4492dbceee16e46b54a1facba2d',
    fileName: 'aura-dev-spec293.json',
    format: 'plain',
    slotMs: 1000,
  },
});

/** The spec-218 entry of `PINNED_CHAIN_SPECS` (kept for callers of the one-runtime API). */
export const PINNED_CHAIN_SPEC = PINNED_CHAIN_SPECS.spec218;

/** Walks up from `start` to the directory holding `pnpm-workspace.yaml` (the repo root). */
export function findRepoRoot(
  start: string = dirname(fileURLToPath(import.meta.url)),
): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export interface ChainSpecOptions {
  /** Which pinned spec (default `DEFAULT_DEVNET_RUNTIME`). */
  runtime?: DevnetRuntime;
  /**
   * Environment to read `SUBTENSOR_CHAIN_SPEC` from (default none: the library reads no
   * environment itself; `pnpm devnet` passes its own).
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Repo root; default: found by walking up from this module to `pnpm-workspace.yaml`. */
  repoRoot?: string;
  /** Where a downloaded spec is kept (default `chainSpecCacheDir()`). */
  cacheDir?: string;
  /** Allow downloading the pinned URL when no local file is found (default true). */
  download?: boolean;
  fetchImpl?: typeof fetch;
}

/** The pinned spec with this content, if it is one. */
export function pinnedChainSpecOf(sha256: string): PinnedChainSpec | undefined {
  return Object.values(PINNED_CHAIN_SPECS).find((p) => p.sha256 === sha256);
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * `<repo>/.cache/subtensor` (git-ignored), else `$XDG_CACHE_HOME/subnet-node` (from `env`) or
 * `~/.cache/subnet-node`.
 */
export function chainSpecCacheDir(
  repoRoot: string | undefined = findRepoRoot(),
  env: Readonly<Record<string, string | undefined>> = {},
): string {
  if (repoRoot) return join(repoRoot, '.cache', 'subtensor');
  const base = env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'subnet-node');
}

/**
 * Resolves the path of a chain spec (raw or plain): `SUBTENSOR_CHAIN_SPEC` whatever the runtime,
 * else the runtime's pinned file in `<repo root>/../shared/subtensor/`, else a cached download of
 * its pinned URL (verified against its sha256 before it is used).
 */
export async function resolveChainSpec(options: ChainSpecOptions = {}): Promise<string> {
  const env = options.env ?? {};
  const fromEnv = env.SUBTENSOR_CHAIN_SPEC;
  if (fromEnv) {
    if (!existsSync(fromEnv)) {
      throw new ChainError(
        ChainErrorCode.ChainSpec,
        `SUBTENSOR_CHAIN_SPEC points at ${fromEnv}, which does not exist`,
      );
    }
    return resolve(fromEnv);
  }
  const pinned = PINNED_CHAIN_SPECS[options.runtime ?? DEFAULT_DEVNET_RUNTIME];
  if (!pinned) {
    throw new ChainError(
      ChainErrorCode.InvalidArgument,
      `unknown devnet runtime ${String(options.runtime)}; expected one of ${DEVNET_RUNTIMES.join(', ')}`,
    );
  }
  const repoRoot = options.repoRoot ?? findRepoRoot();
  if (repoRoot) {
    const shared = resolve(repoRoot, '..', 'shared', 'subtensor', pinned.fileName);
    if (existsSync(shared)) return shared;
  }
  const cacheDir = options.cacheDir ?? chainSpecCacheDir(repoRoot, env);
  const stem = pinned.fileName.replace(/\.json$/, '');
  const cached = join(cacheDir, `${stem}-${pinned.sha256.slice(0, 16)}.json`);
  if (existsSync(cached) && sha256Hex(readFileSync(cached)) === pinned.sha256) {
    return cached;
  }
  if (options.download === false) {
    throw new ChainError(
      ChainErrorCode.ChainSpec,
      `no subtensor chain spec found (${pinned.fileName}): set SUBTENSOR_CHAIN_SPEC to a chain spec file, or allow the download`,
    );
  }
  return downloadPinnedSpec(pinned, cached, options.fetchImpl ?? fetch);
}

async function downloadPinnedSpec(
  pinned: PinnedChainSpec,
  target: string,
  fetchImpl: typeof fetch,
): Promise<string> {
  let body: Uint8Array;
  try {
    const res = await fetchImpl(pinned.url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = new Uint8Array(await res.arrayBuffer());
  } catch (cause) {
    throw new ChainError(
      ChainErrorCode.ChainSpec,
      `could not download the subtensor chain spec from ${pinned.url} (${String(
        (cause as Error)?.message ?? cause,
      )}); set SUBTENSOR_CHAIN_SPEC to a local copy of ${pinned.fileName}`,
      { cause },
    );
  }
  const got = sha256Hex(body);
  if (got !== pinned.sha256) {
    throw new ChainError(
      ChainErrorCode.ChainSpec,
      `downloaded chain spec has sha256 ${got}, expected ${pinned.sha256}; refusing it`,
    );
  }
  writeFileAtomic(target, body);
  return target;
}

/** Writes through a temporary file and a rename, so that readers never see half a file. */
export function writeFileAtomic(target: string, body: Uint8Array | string): void {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, body);
  renameSync(tmp, target);
}
