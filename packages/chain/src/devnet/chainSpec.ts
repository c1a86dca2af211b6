import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChainError, ChainErrorCode } from '../errors.js';

/** The raw subtensor chain spec (runtime spec 218) that the devnet runs, pinned by content. */
export const PINNED_CHAIN_SPEC = {
  url: 'https://raw.githubusercontent.com/opentensor/subtensor/e2b8367b8be2d9ce60ae5858c49138fa05f44a68/scripts/specs/raonet.json',
  sha256: 'bb2c7e34390f8fb5032750cc7d80d23f91a47f56fdebf4c35a24c7938b96c57c',
  fileName: 'raonet.json',
} as const;

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
  /** Environment to read `SUBTENSOR_CHAIN_SPEC` from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Repo root; default: found by walking up from this module to `pnpm-workspace.yaml`. */
  repoRoot?: string;
  /** Where a downloaded spec is kept (default `<repo>/.cache/subtensor`, else `~/.cache/subnet-node`). */
  cacheDir?: string;
  /** Allow downloading the pinned URL when no local file is found (default true). */
  download?: boolean;
  fetchImpl?: typeof fetch;
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function defaultCacheDir(repoRoot: string | undefined): string {
  if (repoRoot) return join(repoRoot, '.cache', 'subtensor');
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'subnet-node');
}

/**
 * Resolves the path of the raw chain spec: `SUBTENSOR_CHAIN_SPEC`, else
 * `<repo root>/../shared/subtensor/raonet.json`, else a cached download of the pinned URL
 * (verified against its sha256 before it is used).
 */
export async function resolveChainSpec(options: ChainSpecOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
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
  const repoRoot = options.repoRoot ?? findRepoRoot();
  if (repoRoot) {
    const shared = resolve(repoRoot, '..', 'shared', 'subtensor', PINNED_CHAIN_SPEC.fileName);
    if (existsSync(shared)) return shared;
  }
  const cacheDir = options.cacheDir ?? defaultCacheDir(repoRoot);
  const cached = join(cacheDir, `raonet-${PINNED_CHAIN_SPEC.sha256.slice(0, 16)}.json`);
  if (existsSync(cached) && sha256Hex(readFileSync(cached)) === PINNED_CHAIN_SPEC.sha256) {
    return cached;
  }
  if (options.download === false) {
    throw new ChainError(
      ChainErrorCode.ChainSpec,
      'no subtensor chain spec found: set SUBTENSOR_CHAIN_SPEC to a raw spec file, or allow the download',
    );
  }
  return downloadPinnedSpec(cached, options.fetchImpl ?? fetch);
}

async function downloadPinnedSpec(target: string, fetchImpl: typeof fetch): Promise<string> {
  let body: Uint8Array;
  try {
    const res = await fetchImpl(PINNED_CHAIN_SPEC.url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = new Uint8Array(await res.arrayBuffer());
  } catch (cause) {
    throw new ChainError(
      ChainErrorCode.ChainSpec,
      `could not download the subtensor chain spec from ${PINNED_CHAIN_SPEC.url} (${String(
        (cause as Error)?.message ?? cause,
      )}); set SUBTENSOR_CHAIN_SPEC to a local copy of raonet.json`,
      { cause },
    );
  }
  const got = sha256Hex(body);
  if (got !== PINNED_CHAIN_SPEC.sha256) {
    throw new ChainError(
      ChainErrorCode.ChainSpec,
      `downloaded chain spec has sha256 ${got}, expected ${PINNED_CHAIN_SPEC.sha256}; refusing it`,
    );
  }
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, body);
  renameSync(tmp, target);
  return target;
}
