/**
 * Doctor check of a daemon's registry models: every listed model (or adapter) has all its files
 * in the cache, each of the manifest's size and sha256 (the same check as `pnpm models verify`).
 */
import type { Check, CheckResult, Logger } from '@subnet/kit';
import { formatBytes } from '../cli/progressBar';
import { moduleLogger } from '../log';
import { defaultCacheDir, openRegistry } from '../registry/openRegistry';

export interface ModelChecksOptions {
  /** The registry's cache folder (absolute; '' for the default, ~/.cache/subnet/models). */
  readonly cacheDir: string;
  /** The operator's manifests (absolute), read after the built-in one. */
  readonly manifests: readonly string[];
  /** The registry ids the daemon serves or checks with. */
  readonly ids: readonly string[];
  readonly logger?: Logger;
  /** Deadline of the check in ms (default 10 minutes: hashing large models takes a while). */
  readonly timeoutMs?: number;
}

/** The `pnpm models pull` that fetches `ids` into this cache with these manifests. */
function pullCommand(ids: readonly string[], options: ModelChecksOptions): string {
  return [
    'pnpm models pull',
    ...ids,
    ...options.manifests.map((m) => `--manifest ${m}`),
    `--cache-dir ${options.cacheDir}`,
  ].join(' ');
}

async function modelFilesCheck(given: ModelChecksOptions): Promise<CheckResult> {
  const options = { ...given, cacheDir: given.cacheDir || defaultCacheDir() };
  const log = moduleLogger('doctor', options.logger);
  if (options.ids.length === 0) return { status: 'ok', detail: 'no registry models configured' };
  let registry: Awaited<ReturnType<typeof openRegistry>>;
  try {
    registry = await openRegistry({ manifests: options.manifests, cacheDir: options.cacheDir });
  } catch (err) {
    return {
      status: 'blocker',
      detail: (err as Error).message,
      fix: 'check that each manifest exists and is a model manifest (docs/models.md, "The manifest")',
    };
  }
  const listed = new Set(registry.allIds());
  const unknown = options.ids.filter((id) => !listed.has(id));
  if (unknown.length > 0) {
    return {
      status: 'blocker',
      detail: `${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} in no manifest (they list: ${[...listed].join(', ') || 'nothing'})`,
      fix: 'add the manifest that lists it to the registry manifests, or correct the id',
    };
  }
  const problems: string[] = [];
  const broken: string[] = [];
  let bytes = 0;
  for (const id of options.ids) {
    const result = await registry.verify(id);
    log.debug({ model: id, ok: result.ok }, 'model files verified');
    const bad = result.files.filter((f) => f.outcome !== 'ok');
    if (bad.length > 0) {
      broken.push(id);
      problems.push(`${id}: ${bad.map((f) => `${f.path} ${f.outcome}`).join(', ')}`);
    }
    bytes += (await registry.status(id)).files.reduce((s, f) => s + f.size, 0);
  }
  if (broken.length > 0) {
    return {
      status: 'blocker',
      detail: problems.join('; '),
      fix: `run \`${pullCommand(broken, options)}\``,
    };
  }
  const n = options.ids.length;
  return {
    status: 'ok',
    detail: `${n} model${n === 1 ? '' : 's'}, ${formatBytes(bytes)}, sha256 checked`,
  };
}

/** 'model files': each listed model's files present with the manifest's sha256. */
export function modelChecks(options: ModelChecksOptions): Check[] {
  return [
    {
      name: 'model files',
      timeoutMs: options.timeoutMs ?? 600_000,
      run: () => modelFilesCheck(options),
    },
  ];
}
