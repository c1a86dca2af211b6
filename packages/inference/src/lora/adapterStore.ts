import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InferenceError, InferenceErrorCode } from '../errors';
import { readJsonObject } from '../exportFiles';
import type { AdapterFeeds, LoraInput } from '../llm/decoderModel';
import type { AdapterSource } from '../llm/llmEngine';
import { type Logger, moduleLogger } from '../log';
import { type PeftAdapterConfig, parseAdapterConfig } from './adapterConfig';
import { buildLoraAdapter, type LoraAdapter } from './loraAdapter';
import { readSafetensors } from './safetensors';

/**
 * Where an adapter id lives; undefined if unknown. `path` is a safetensors file, or a PEFT save
 * folder (`adapter_model.safetensors` + `adapter_config.json` inside) or a folder as diffusers'
 * save_lora_weights writes one (`pytorch_lora_weights.safetensors`, its config in the metadata). `config` is the
 * adapter_config.json of a file path (a file named adapter_model.safetensors finds the one next
 * to it by itself). An explicit `alpha` wins over the config and the file's metadata.
 */
export interface AdapterLocation {
  path: string;
  alpha?: number;
  config?: string;
}

export type AdapterResolver = (adapterId: string) => Promise<AdapterLocation | undefined>;

export const PEFT_WEIGHTS_FILE = 'adapter_model.safetensors';
export const PEFT_CONFIG_FILE = 'adapter_config.json';
/** The file diffusers' save_lora_weights writes (its LoRA config in the file's metadata). */
export const DIFFUSERS_WEIGHTS_FILE = 'pytorch_lora_weights.safetensors';

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
    const { weights, config } = await this.files(adapterId, where);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(weights);
    } catch (err) {
      throw new InferenceError(
        InferenceErrorCode.ModelNotDownloaded,
        `adapter '${adapterId}' is not on disk at ${weights}; pull it first`,
        { cause: err },
      );
    }
    const adapter = buildLoraAdapter(readSafetensors(bytes), this.options.inputs, {
      adapterId,
      file: weights,
      ...(where.alpha !== undefined ? { alpha: where.alpha } : {}),
      ...(config ? { config } : {}),
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
    const scales = [...new Set(adapter.targets.map((t) => t.scale))];
    this.log.info(
      {
        adapter: adapterId,
        file: weights,
        config: config?.file ?? null,
        baseModel: config?.baseModel,
        r: config?.r ?? adapter.rank,
        alpha: where.alpha ?? config?.loraAlpha ?? adapter.targets[0]?.alpha,
        alphaSource: adapter.alphaSource,
        rslora: adapter.rslora,
        scales,
        targets: adapter.targets.length,
        ignored: adapter.ignored,
        bytes: adapter.bytes,
      },
      'adapter loaded',
    );
    return adapter;
  }

  /** The safetensors file and the parsed adapter_config.json (if any) of a location. */
  private async files(
    adapterId: string,
    where: AdapterLocation,
  ): Promise<{ weights: string; config?: PeftAdapterConfig }> {
    let weights = where.path;
    let configPath = where.config;
    const isDir = await stat(where.path).then(
      (s) => s.isDirectory(),
      () => false,
    );
    const isFile = (path: string) =>
      stat(path).then(
        (s) => s.isFile(),
        () => false,
      );
    if (
      isDir &&
      where.config === undefined &&
      !(await isFile(join(where.path, PEFT_WEIGHTS_FILE))) &&
      (await isFile(join(where.path, DIFFUSERS_WEIGHTS_FILE)))
    ) {
      return { weights: join(where.path, DIFFUSERS_WEIGHTS_FILE) };
    }
    if (isDir) {
      weights = join(where.path, PEFT_WEIGHTS_FILE);
      configPath ??= join(where.path, PEFT_CONFIG_FILE);
    } else if (configPath === undefined && basename(where.path) === PEFT_WEIGHTS_FILE) {
      configPath = join(dirname(where.path), PEFT_CONFIG_FILE);
    }
    if (configPath === undefined) return { weights };
    const json = await readJsonObject(configPath).catch((err: unknown) => {
      throw new InferenceError(
        InferenceErrorCode.BadAdapter,
        `adapter '${adapterId}' cannot be used: ${(err as Error).message}`,
        { cause: err },
      );
    });
    if (!json && where.config !== undefined) {
      throw new InferenceError(
        InferenceErrorCode.ModelNotDownloaded,
        `adapter '${adapterId}' has no adapter_config.json at ${configPath}; pull it first`,
      );
    }
    if (!json && isDir) {
      throw new InferenceError(
        InferenceErrorCode.BadAdapter,
        `adapter '${adapterId}' cannot be used: ${configPath} is missing (a PEFT folder holds ${PEFT_WEIGHTS_FILE} and ${PEFT_CONFIG_FILE})`,
      );
    }
    return json ? { weights, config: parseAdapterConfig(json, configPath) } : { weights };
  }
}
