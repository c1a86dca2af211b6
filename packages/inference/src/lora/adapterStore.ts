import { readFile } from 'node:fs/promises';
import { InferenceError, InferenceErrorCode } from '../errors';
import type { AdapterFeeds, LoraInput } from '../llm/decoderModel';
import type { AdapterSource } from '../llm/llmEngine';
import { type Logger, moduleLogger } from '../log';
import { buildLoraAdapter, type LoraAdapter } from './loraAdapter';
import { readSafetensors } from './safetensors';

/** Where an adapter id lives: a safetensors file and its alpha; undefined if unknown. */
export type AdapterResolver = (
  adapterId: string,
) => Promise<{ path: string; alpha?: number } | undefined>;

export interface AdapterStoreOptions {
  /** The base model's LoRA inputs (DecoderModel.loraInputs). */
  inputs: readonly LoraInput[];
  resolve: AdapterResolver;
  /** Bytes of adapter tensors kept in memory; least recently used ones are dropped past it. */
  budgetBytes: number;
  logger?: Logger;
}

export interface AdapterStoreStats {
  loads: number;
  hits: number;
  cached: { id: string; bytes: number; rank: number }[];
}

/**
 * Adapters of one base model, loaded on first use and kept in an LRU cache with a byte budget.
 * Switching adapters between requests only swaps the tensors fed to the same session.
 */
export class AdapterStore implements AdapterSource {
  private readonly cache = new Map<string, LoraAdapter>();
  private readonly pending = new Map<string, Promise<LoraAdapter>>();
  private loads = 0;
  private hits = 0;
  private readonly log: Logger;

  constructor(private readonly options: AdapterStoreOptions) {
    this.log = moduleLogger('lora', options.logger);
  }

  async feeds(adapterId: string): Promise<AdapterFeeds> {
    return (await this.get(adapterId)).feeds;
  }

  async get(adapterId: string): Promise<LoraAdapter> {
    const cached = this.cache.get(adapterId);
    if (cached) {
      this.hits++;
      this.cache.delete(adapterId);
      this.cache.set(adapterId, cached);
      return cached;
    }
    let loading = this.pending.get(adapterId);
    if (!loading) {
      loading = this.load(adapterId).finally(() => this.pending.delete(adapterId));
      this.pending.set(adapterId, loading);
    }
    return loading;
  }

  stats(): AdapterStoreStats {
    return {
      loads: this.loads,
      hits: this.hits,
      cached: [...this.cache].map(([id, a]) => ({ id, bytes: a.bytes, rank: a.rank })),
    };
  }

  private async load(adapterId: string): Promise<LoraAdapter> {
    const where = await this.options.resolve(adapterId);
    if (!where) {
      throw new InferenceError(
        InferenceErrorCode.UnknownAdapter,
        `unknown adapter '${adapterId}': it is not in the registry`,
      );
    }
    let bytes: Uint8Array;
    try {
      bytes = await readFile(where.path);
    } catch (err) {
      throw new InferenceError(
        InferenceErrorCode.ModelNotDownloaded,
        `adapter '${adapterId}' is not on disk at ${where.path}; pull it first`,
        { cause: err },
      );
    }
    const adapter = buildLoraAdapter(readSafetensors(bytes), this.options.inputs, {
      adapterId,
      ...(where.alpha !== undefined ? { alpha: where.alpha } : {}),
    });
    this.loads++;
    this.cache.set(adapterId, adapter);
    let used = 0;
    for (const a of this.cache.values()) used += a.bytes;
    for (const [id, a] of this.cache) {
      if (used <= this.options.budgetBytes || id === adapterId) break;
      this.cache.delete(id);
      used -= a.bytes;
      this.log.info({ adapter: id, bytes: a.bytes }, 'adapter evicted (over budget)');
    }
    this.log.info(
      { adapter: adapterId, rank: adapter.rank, bytes: adapter.bytes },
      'adapter loaded',
    );
    return adapter;
  }
}
