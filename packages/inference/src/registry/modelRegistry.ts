import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InferenceError, InferenceErrorCode } from '../errors';
import type { AdapterResolver } from '../lora/adapterStore';
import { downloadFile } from './downloadFile';
import { sha256File } from './fileHash';
import type { AdapterEntry, Manifest, ModelEntry, ModelFile } from './manifest';

export type FileState = 'complete' | 'partial' | 'missing';

export interface FileStatus {
  path: string;
  size: number;
  state: FileState;
  bytesOnDisk: number;
}

export interface ItemStatus {
  id: string;
  kind: 'model' | 'adapter';
  files: FileStatus[];
  /** Every file present at its full size (sha256 is checked by verify). */
  downloaded: boolean;
}

export type VerifyOutcome = 'ok' | 'missing' | 'size-mismatch' | 'hash-mismatch';

export interface PullProgress {
  id: string;
  file: string;
  received: number;
  total: number;
}

/**
 * The manifest bound to a cache directory: models live in `<cacheDir>/models/<id>/<file.path>`,
 * adapters in `<cacheDir>/adapters/<id>/<file.path>`.
 */
export class ModelRegistry {
  constructor(
    readonly manifest: Manifest,
    readonly cacheDir: string,
  ) {}

  model(id: string): ModelEntry {
    const entry = this.manifest.models.find((m) => m.id === id);
    if (!entry) {
      const known = this.manifest.models.map((m) => m.id).join(', ') || 'none';
      throw new InferenceError(
        InferenceErrorCode.UnknownModel,
        `unknown model '${id}' (the manifest lists: ${known})`,
      );
    }
    return entry;
  }

  adapter(id: string): AdapterEntry | undefined {
    return this.manifest.adapters.find((a) => a.id === id);
  }

  modelPath(id: string, file: ModelFile | string = this.firstFile(id)): string {
    const path = typeof file === 'string' ? file : file.path;
    return join(this.cacheDir, 'models', id, path);
  }

  adapterPath(entry: AdapterEntry, file: ModelFile = entry.file): string {
    return join(this.cacheDir, 'adapters', entry.id, file.path);
  }

  /** An adapter's files: its weights, then its adapter_config.json when it lists one. */
  adapterFiles(entry: AdapterEntry): ModelFile[] {
    return entry.config ? [entry.file, entry.config] : [entry.file];
  }

  /** Resolves the adapters of one base model to their cached files (weights and config). */
  adapterResolver(baseModel: string): AdapterResolver {
    return async (adapterId) => {
      const entry = this.adapter(adapterId);
      if (!entry || entry.baseModel !== baseModel) return undefined;
      return {
        path: this.adapterPath(entry),
        ...(entry.config ? { config: this.adapterPath(entry, entry.config) } : {}),
        ...(entry.alpha !== undefined ? { alpha: entry.alpha } : {}),
      };
    };
  }

  /** Ids of everything pull/verify act on: one model id, or an adapter id. */
  private items(id: string): {
    kind: 'model' | 'adapter';
    files: { file: ModelFile; path: string }[];
  } {
    const adapter = this.adapter(id);
    if (adapter) {
      return {
        kind: 'adapter',
        files: this.adapterFiles(adapter).map((file) => ({
          file,
          path: this.adapterPath(adapter, file),
        })),
      };
    }
    const model = this.model(id);
    return {
      kind: 'model',
      files: model.files.map((file) => ({ file, path: this.modelPath(id, file) })),
    };
  }

  allIds(): string[] {
    return [...this.manifest.models.map((m) => m.id), ...this.manifest.adapters.map((a) => a.id)];
  }

  async status(id: string): Promise<ItemStatus> {
    const { kind, files } = this.items(id);
    const out: FileStatus[] = [];
    for (const { file, path } of files) {
      const full = await sizeOf(path);
      const part = await sizeOf(`${path}.partial`);
      const state: FileState = full === file.size ? 'complete' : part > 0 ? 'partial' : 'missing';
      out.push({
        path: file.path,
        size: file.size,
        state,
        bytesOnDisk: full >= 0 ? full : Math.max(part, 0),
      });
    }
    return { id, kind, files: out, downloaded: out.every((f) => f.state === 'complete') };
  }

  /** Downloads what is missing (resuming partial files); a complete file is re-hashed first. */
  async pull(
    id: string,
    options: { onProgress?: (p: PullProgress) => void; signal?: AbortSignal } = {},
  ): Promise<{ downloaded: string[]; alreadyPresent: string[] }> {
    const { files } = this.items(id);
    const downloaded: string[] = [];
    const alreadyPresent: string[] = [];
    for (const { file, path } of files) {
      if ((await sizeOf(path)) === file.size && (await sha256File(path)) === file.sha256) {
        alreadyPresent.push(file.path);
        continue;
      }
      await rm(path, { force: true });
      await downloadFile({
        url: file.url,
        dest: path,
        sha256: file.sha256,
        size: file.size,
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (received, total) =>
          options.onProgress?.({ id, file: file.path, received, total }),
      });
      downloaded.push(file.path);
    }
    return { downloaded, alreadyPresent };
  }

  /** Checks every file of an item against its size and sha256. */
  async verify(
    id: string,
  ): Promise<{ id: string; ok: boolean; files: { path: string; outcome: VerifyOutcome }[] }> {
    const { files } = this.items(id);
    const results: { path: string; outcome: VerifyOutcome }[] = [];
    for (const { file, path } of files) {
      const size = await sizeOf(path);
      let outcome: VerifyOutcome = 'ok';
      if (size < 0) outcome = 'missing';
      else if (size !== file.size) outcome = 'size-mismatch';
      else if ((await sha256File(path)) !== file.sha256) outcome = 'hash-mismatch';
      results.push({ path: file.path, outcome });
    }
    return { id, ok: results.every((r) => r.outcome === 'ok'), files: results };
  }

  private firstFile(id: string): ModelFile {
    const file =
      this.model(id).files.find((f) => f.path.endsWith('.onnx')) ?? this.model(id).files[0];
    if (!file) throw new InferenceError(InferenceErrorCode.BadManifest, `model ${id} has no files`);
    return file;
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return -1;
  }
}
