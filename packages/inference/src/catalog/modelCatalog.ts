/**
 * The models of one process (a miner, a validator), from its config (`models.entries`): checked
 * before anything loads, then loaded on demand through one ModelManager, which keeps each device
 * under its budget (`models.budgets`), evicts idle models least recently used first, and reports
 * what is loaded (for metrics).
 */
import type { Logger } from 'pino';
import { InferenceError, InferenceErrorCode } from '../errors';
import type { ModelRegistry } from '../registry/modelRegistry';
import { ModelManager, type ModelPlan } from '../runtime/modelManager';
import type { EnvRecord } from '../runtime/runtimeConfig';
import { type CheckedModels, checkModelEntries } from './checkModelEntries';
import { type BackendOf, type BackendType, type LoadedBackend, loadModel } from './loadModel';
import type { ModelEntryConfig, ModelsConfig } from './modelsConfig';

export interface ModelCatalogOptions {
  models: ModelsConfig;
  log: Logger;
  /**
   * Environment variables the caller passes (its `io.env`), for the registry's SUBNET_MODELS_*
   * variables and servers' API keys (default none: this package never reads process.env).
   */
  env?: EnvRecord;
}

/** The models of one process: checked entries, their plans, and the manager that loads them. */
export class ModelCatalog {
  readonly manager: ModelManager<LoadedBackend>;
  private readonly onChange = new Set<() => void>();
  private readonly entries: ReadonlyMap<string, ModelEntryConfig>;
  private readonly plans: ReadonlyMap<string, ModelPlan>;
  /** Parts found in each diffusion folder (vae_encoder, controlnet, ...). */
  readonly diffusionParts: ReadonlyMap<string, ReadonlySet<string>>;
  /** Each diffusion folder's family and the diffusion task kinds it serves. */
  readonly diffusion: CheckedModels['diffusion'];
  readonly registry: ModelRegistry | undefined;

  private constructor(checked: CheckedModels, models: ModelsConfig, log: Logger, env: EnvRecord) {
    this.entries = checked.entries;
    this.plans = checked.plans;
    this.diffusionParts = checked.parts;
    this.diffusion = checked.diffusion;
    this.registry = checked.registry;
    this.manager = new ModelManager<LoadedBackend>({
      budgets: models.budgets,
      plan: (id) => checked.plans.get(id) as ModelPlan,
      load: async (id) => {
        const entry = this.entries.get(id) as ModelEntryConfig;
        const family = this.diffusion.get(id)?.family;
        const loaded = await loadModel({
          id,
          entry,
          registry: this.registry,
          env,
          log,
          ...(family ? { family } : {}),
        });
        return {
          ...loaded,
          dispose: async () => {
            try {
              await loaded.dispose();
            } catch (err) {
              // A broken model's session may be gone already; the model is unloaded all the same.
              log.warn({ model: id, err }, 'releasing the model failed');
            }
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
    return new ModelCatalog(checked, options.models, options.log, options.env ?? {});
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  entry(id: string): ModelEntryConfig | undefined {
    return this.entries.get(id);
  }

  /** Where the model runs and what it takes there (device `remote` for a served LLM). */
  plan(id: string): ModelPlan | undefined {
    return this.plans.get(id);
  }

  /** Runs `fn` with the model loaded and held (it is not evicted meanwhile). */
  async use<K extends BackendType, R>(
    id: string,
    type: K | readonly K[],
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
  async acquire<K extends BackendType>(
    id: string,
    type: K | readonly K[],
  ): Promise<{ backend: BackendOf<K>; release(): void }> {
    if (!this.entries.has(id)) {
      const known = this.ids().join(', ') || 'none';
      throw new InferenceError(
        InferenceErrorCode.UnknownModel,
        `unknown model ${id} (configured: ${known})`,
      );
    }
    const lease = await this.manager.acquire(id);
    this.changed();
    const types: readonly BackendType[] = typeof type === 'string' ? [type] : type;
    if (!types.includes(lease.value.type)) {
      lease.release();
      throw new InferenceError(
        InferenceErrorCode.UnknownModel,
        `model ${id} is not a ${types.join(' or ')} model`,
      );
    }
    return { backend: lease.value as BackendOf<K>, release: () => lease.release() };
  }

  /** Unloads every idle model. */
  close(): Promise<void> {
    return this.manager.close();
  }

  /** Calls `fn` whenever a model is loaded or unloaded. */
  watch(fn: () => void): void {
    this.onChange.add(fn);
  }

  private changed(): void {
    for (const fn of this.onChange) fn();
  }
}
