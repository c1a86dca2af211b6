/**
 * The models of one miner, from its config (`models.entries`): checked before anything loads,
 * then loaded on demand through one ModelManager, which keeps each device under its budget
 * (`models.budgets`), evicts idle models least recently used first, and reports what is loaded
 * (for `miner_model_loaded`).
 */
import { ModelManager, type ModelPlan, type ModelRegistry } from '@subnet/inference';
import type { Logger } from 'pino';
import type { ModelEntryConfig, ModelsConfig, ModelType } from '../config/minerConfig';
import { MinerError, MinerErrorCode } from '../errors';
import { type CheckedModels, checkModelEntries } from './checkModelEntries';
import { type BackendOf, type LoadedBackend, loadModel } from './loadModel';

export type { BackendOf, LoadedBackend };

export interface ModelCatalogOptions {
  models: ModelsConfig;
  log: Logger;
  /** For the registry's SUBNET_MODELS_* variables (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** The models of one miner: checked entries, their plans, and the manager that loads them. */
export class ModelCatalog {
  readonly manager: ModelManager<LoadedBackend>;
  private readonly onChange = new Set<() => void>();

  private readonly entries: ReadonlyMap<string, ModelEntryConfig>;
  /** Parts found in each diffusion folder (vae_encoder, controlnet, ...). */
  readonly diffusionParts: ReadonlyMap<string, ReadonlySet<string>>;
  readonly registry: ModelRegistry | undefined;

  private constructor(
    checked: CheckedModels,
    budgets: Readonly<Record<string, number>>,
    log: Logger,
  ) {
    this.entries = checked.entries;
    this.diffusionParts = checked.parts;
    this.registry = checked.registry;
    this.manager = new ModelManager<LoadedBackend>({
      budgets,
      plan: (id) => checked.plans.get(id) as ModelPlan,
      load: async (id) => {
        const entry = this.entries.get(id);
        if (!entry) throw new MinerError(MinerErrorCode.ModelNotLoaded, `unknown model ${id}`);
        const loaded = await loadModel({ id, entry, registry: this.registry, log });
        return {
          ...loaded,
          dispose: async () => {
            await loaded.dispose();
            this.changed();
          },
        };
      },
      logger: log,
    });
  }

  /** Checks every entry (see checkModelEntries) and makes the manager that loads them. */
  static async open(options: ModelCatalogOptions): Promise<ModelCatalog> {
    const checked = await checkModelEntries({
      models: options.models,
      ...(options.env ? { env: options.env } : {}),
    });
    return new ModelCatalog(checked, options.models.budgets, options.log);
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  entry(id: string): ModelEntryConfig | undefined {
    return this.entries.get(id);
  }

  /** Runs `fn` with the model loaded and held (it is not evicted meanwhile). */
  async use<K extends ModelType, R>(
    id: string,
    type: K,
    fn: (backend: BackendOf<K>) => Promise<R>,
  ): Promise<R> {
    const { backend, release } = await this.acquire(id, type);
    try {
      return await fn(backend);
    } finally {
      release();
    }
  }

  /** Holds the model (loading it if needed) until `release()`; for work that outlives a call. */
  async acquire<K extends ModelType>(
    id: string,
    type: K,
  ): Promise<{ backend: BackendOf<K>; release(): void }> {
    const lease = await this.manager.acquire(id);
    this.changed();
    if (lease.value.type !== type) {
      lease.release();
      throw new MinerError(MinerErrorCode.ModelNotLoaded, `model ${id} is not a ${type} model`);
    }
    return { backend: lease.value as BackendOf<K>, release: () => lease.release() };
  }

  /** Calls `fn` whenever a model is loaded or unloaded. */
  watch(fn: () => void): void {
    this.onChange.add(fn);
  }

  private changed(): void {
    for (const fn of this.onChange) fn();
  }
}
