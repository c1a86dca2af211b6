import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnvRecord } from '../runtime/runtimeConfig';
import { type Manifest, mergeManifests, readManifestFile } from './manifest';
import { ModelRegistry } from './modelRegistry';

/** The manifest shipped with the package (models/manifest.json). */
export const builtinManifestPath = fileURLToPath(
  new URL('../../models/manifest.json', import.meta.url),
);

export interface RegistryLocation {
  /** Operator manifests (absolute paths), applied after the built-in one (later ids win). */
  manifests?: readonly string[];
  /** Absolute. */
  cacheDir?: string;
  /** Skip the built-in manifest (tests). */
  withoutBuiltin?: boolean;
  /**
   * Environment variables the caller passes, for SUBNET_MODELS_MANIFEST and SUBNET_MODELS_DIR
   * (default none: this package never reads process.env).
   */
  env?: EnvRecord;
}

/**
 * Where the registry lives unless told otherwise:
 * - manifests: the built-in one, then SUBNET_MODELS_MANIFEST (a ':'-separated list), then `manifests`;
 * - cache: `cacheDir`, else SUBNET_MODELS_DIR, else ~/.cache/subnet/models.
 */
export function defaultCacheDir(env: EnvRecord = {}, home: string = homedir()): string {
  return env.SUBNET_MODELS_DIR || join(home, '.cache', 'subnet', 'models');
}

export async function openRegistry(location: RegistryLocation = {}): Promise<ModelRegistry> {
  const env = location.env ?? {};
  const paths = [
    ...(location.withoutBuiltin ? [] : [builtinManifestPath]),
    ...(env.SUBNET_MODELS_MANIFEST ? env.SUBNET_MODELS_MANIFEST.split(':').filter(Boolean) : []),
    ...(location.manifests ?? []),
  ];
  const manifests: Manifest[] = [];
  for (const p of paths) manifests.push(await readManifestFile(p));
  return new ModelRegistry(mergeManifests(manifests), location.cacheDir ?? defaultCacheDir(env));
}
