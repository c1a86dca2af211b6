/**
 * What turns a parsed configuration into the settings the libraries take, once, at load: every path
 * an operator types (wallet folder, model folders and files, LoRA files, registry manifests and
 * cache) made absolute from the folder the command was run in, the model registry's own
 * environment variables (`SUBNET_MODELS_DIR`, `SUBNET_MODELS_MANIFEST`) folded into the `models`
 * section, and the chain's endpoint resolved from `subtensor.network`.
 */
import { join } from 'node:path';
import { resolveEndpoint } from '@subnet/chain';
import { type PathContext, resolvePath } from '@subnet/kit';
import type { MinerConfig, ModelEntryConfig, ParsedMinerConfig } from './minerConfig';

export type Env = Readonly<Record<string, string | undefined>>;

/** The registry variables that `resolveSettings` folds into `models.registry`. */
export const MODEL_PATH_VARIABLES = ['SUBNET_MODELS_DIR', 'SUBNET_MODELS_MANIFEST'] as const;

/**
 * `env` without the variables already folded into the settings: what the model catalog is given,
 * so that it does not read the manifests twice.
 */
export function catalogEnv(env: Env): Env {
  const out: Record<string, string | undefined> = { ...env };
  for (const name of MODEL_PATH_VARIABLES) delete out[name];
  return out;
}

function entryPaths(entry: ModelEntryConfig, abs: (p: string) => string): ModelEntryConfig {
  switch (entry.type) {
    case 'diffusion':
      return {
        ...entry,
        dir: abs(entry.dir),
        loras: Object.fromEntries(
          Object.entries(entry.loras).map(([id, l]) => [id, { ...l, path: abs(l.path) }]),
        ),
      };
    case 'upscaler':
    case 'clip':
    case 'nsfw':
      return { ...entry, file: abs(entry.file) };
    default:
      return entry;
  }
}

function resolveModels(
  models: ParsedMinerConfig['models'],
  env: Env,
  paths: PathContext,
): ParsedMinerConfig['models'] {
  const abs = (p: string) => resolvePath(p, paths);
  const fromEnv = (env.SUBNET_MODELS_MANIFEST ?? '').split(':').filter(Boolean);
  const cacheDir =
    models.registry.cache_dir ??
    (env.SUBNET_MODELS_DIR
      ? env.SUBNET_MODELS_DIR
      : join(paths.home, '.cache', 'subnet', 'models'));
  return {
    ...models,
    // The registry reads the variable's manifests before the configured ones (later ids win).
    registry: {
      manifests: [...fromEnv, ...models.registry.manifests].map(abs),
      cache_dir: abs(cacheDir),
    },
    entries: Object.fromEntries(
      Object.entries(models.entries).map(([id, e]) => [id, entryPaths(e, abs)]),
    ),
  };
}

/**
 * The settings of `parsed`. Without `paths` (tests and scripts that pass absolute paths) paths
 * are left as given and the registry's variables are left to the catalog.
 */
export function resolveSettings(
  parsed: ParsedMinerConfig,
  env: Env,
  paths: PathContext | undefined,
): MinerConfig {
  const subtensor = {
    network: parsed.subtensor.network,
    endpoint: resolveEndpoint(parsed.subtensor.network, { ...env }),
  };
  if (!paths) return { ...parsed, subtensor };
  return {
    ...parsed,
    subtensor,
    wallet: { ...parsed.wallet, path: resolvePath(parsed.wallet.path, paths) },
    models: resolveModels(parsed.models, env, paths),
  };
}
