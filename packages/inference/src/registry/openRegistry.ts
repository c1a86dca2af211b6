import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Manifest, mergeManifests, readManifestFile } from './manifest';
import { ModelRegistry } from './modelRegistry';

/** The manifest shipped with the package (models/manifest.json). */
export const builtinManifestPath = fileURLToPath(
  new URL('../../models/manifest.json', import.meta.url),
);

export interface RegistryLocation {
  /** Operator manifests, applied after the built-in one (later ids win). */
  manifests?: readonly string[];
  cacheDir?: string;
  /** Skip the built-in manifest (tests). */
  withoutBuiltin?: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * Where the registry lives unless told otherwise:
 * - manifests: the built-in one, then SUBNET_MODELS_MANIFEST (a ':'-separated list), then `manifests`;
 * - cache: `cacheDir`, else SUBNET_MODELS_DIR, else ~/.cache/subnet/models.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SUBNET_MODELS_DIR || join(homedir(), '.cache', 'subnet', 'models');
}

export async function openRegistry(location: RegistryLocation = {}): Promise<ModelRegistry> {
  const env = location.env ?? process.env;
  const paths = [
    ...(location.withoutBuiltin ? [] : [builtinManifestPath]),
    ...(env.SUBNET_MODELS_MANIFEST ? env.SUBNET_MODELS_MANIFEST.split(':').filter(Boolean) : []),
    ...(location.manifests ?? []),
  ];
  const manifests: Manifest[] = [];
  for (const p of paths) manifests.push(await readManifestFile(p));
  return new ModelRegistry(mergeManifests(manifests), location.cacheDir ?? defaultCacheDir(env));
}
