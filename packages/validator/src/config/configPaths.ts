/**
 * Every path of the configuration made absolute once, at load: relative paths are taken from the
 * folder the operator ran the command in and `~` is their home (the kit's `resolvePath`). The
 * wallets folder, the embedded database's folder (default `~/.subnet/validator/db` unless a
 * database URL is given) and the check models' manifests, cache, folders and files.
 */
import type { ModelEntryConfig, ModelsConfig } from '@subnet/inference/catalog';
import { type PathContext, resolvePath } from '@subnet/kit';
import type { ValidatorConfig } from './validatorConfig';

/** Where the embedded database lives when neither `--data-dir` nor `--database-url` is given. */
export const DEFAULT_DATA_DIR = '~/.subnet/validator/db';

type At = (path: string) => string;

function entryPaths(entry: ModelEntryConfig, at: At): ModelEntryConfig {
  switch (entry.type) {
    case 'llm':
      return entry;
    case 'diffusion':
      return {
        ...entry,
        dir: at(entry.dir),
        loras: Object.fromEntries(
          Object.entries(entry.loras).map(([id, lora]) => [id, { ...lora, path: at(lora.path) }]),
        ),
      };
    default:
      return { ...entry, file: at(entry.file) };
  }
}

export function modelsPaths(models: ModelsConfig, at: At): ModelsConfig {
  const { cache_dir } = models.registry;
  return {
    ...models,
    registry: {
      manifests: models.registry.manifests.map(at),
      ...(cache_dir === undefined ? {} : { cache_dir: at(cache_dir) }),
    },
    entries: Object.fromEntries(
      Object.entries(models.entries).map(([id, entry]) => [id, entryPaths(entry, at)]),
    ),
  };
}

/** The embedded database's folder: the one given, else the default unless a URL is given. */
export function dataDirOf(
  settings: { database_url?: string | undefined; data_dir?: string | undefined },
  paths: PathContext,
): string | undefined {
  if (settings.data_dir !== undefined) return resolvePath(settings.data_dir, paths);
  return settings.database_url === undefined ? resolvePath(DEFAULT_DATA_DIR, paths) : undefined;
}

export function configPaths(config: ValidatorConfig, paths: PathContext): ValidatorConfig {
  const at: At = (p) => resolvePath(p, paths);
  const { data_dir: _, ...rest } = config;
  const dataDir = dataDirOf(config, paths);
  return {
    ...rest,
    wallet: { ...config.wallet, path: at(config.wallet.path) },
    ...(dataDir === undefined ? {} : { data_dir: dataDir }),
    checking: { ...config.checking, models: modelsPaths(config.checking.models, at) },
  };
}
