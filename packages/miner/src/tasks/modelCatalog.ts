/**
 * The miner's models in service: the inference package's ModelCatalog (entries checked before
 * anything loads, loaded on demand under per-device budgets, idle ones evicted) plus what serving
 * needs: a model whose backend breaks while it runs is answered 503 and reloaded in the
 * background (ModelReloads) while the others keep serving, and errors are the miner's own.
 */
import { InferenceError, InferenceErrorCode, type ModelRegistry } from '@subnet/inference';
import {
  type BackendOf,
  type BackendType,
  ModelCatalog as Catalog,
  type LoadedBackend,
  type ModelEntryConfig,
  REMOTE_DEVICE,
} from '@subnet/inference/catalog';
import { StatusCode } from '@subnet/protocol';
import type { Logger } from 'pino';
import type { ModelsConfig } from '../config/minerConfig';
import { MinerError, MinerErrorCode } from '../errors';
import { type ModelHealthEvent, ModelReloads } from './modelReloads';
import { isBackendFailure } from './taskErrors';

export type { BackendOf, BackendType, LoadedBackend };

export interface ModelCatalogOptions {
  models: ModelsConfig;
  log: Logger;
  /** For the registry's SUBNET_MODELS_* variables and servers' API keys (default none). */
  env?: Readonly<Record<string, string | undefined>>;
}

export class ModelCatalog {
  private readonly onHealth = new Set<(event: ModelHealthEvent) => void>();
  private readonly reloads: ModelReloads;

  private constructor(
    private readonly catalog: Catalog,
    models: ModelsConfig,
    log: Logger,
  ) {
    this.reloads = new ModelReloads({
      manager: catalog.manager,
      policy: { backoffMs: models.reload.backoff_ms, maxBackoffMs: models.reload.max_backoff_ms },
      log,
      onEvent: (event) => {
        for (const fn of this.onHealth) fn(event);
      },
    });
  }

  /** Checks every entry and makes the manager that loads them; a bad entry is MINER_CONFIG_INVALID. */
  static async open(options: ModelCatalogOptions): Promise<ModelCatalog> {
    const catalog = await Catalog.open(options).catch((err: unknown) => {
      if (err instanceof InferenceError && err.code === InferenceErrorCode.BadConfig)
        throw new MinerError(MinerErrorCode.ConfigInvalid, err.message, { cause: err });
      throw err;
    });
    return new ModelCatalog(catalog, options.models, options.log);
  }

  get manager(): Catalog['manager'] {
    return this.catalog.manager;
  }

  /** Each diffusion folder's family and the diffusion task kinds it serves. */
  get diffusion(): Catalog['diffusion'] {
    return this.catalog.diffusion;
  }

  get registry(): ModelRegistry | undefined {
    return this.catalog.registry;
  }

  ids(): string[] {
    return this.catalog.ids();
  }

  entry(id: string): ModelEntryConfig | undefined {
    return this.catalog.entry(id);
  }

  /**
   * Runs `fn` with the model loaded and held (it is not evicted meanwhile). A failure of the
   * model's backend takes it out of service for a reload and becomes a 503 (see `failure`).
   */
  async use<K extends BackendType, R>(
    id: string,
    type: K | readonly K[],
    fn: (backend: BackendOf<K>) => Promise<R>,
  ): Promise<R> {
    const { backend, release } = await this.acquire(id, type);
    try {
      return await fn(backend);
    } catch (err) {
      throw this.failure(id, err);
    } finally {
      release();
    }
  }

  /**
   * Holds the model (loading it if needed) until `release()`; for work that outlives a call,
   * which reports its errors through `failure`. A model out of service is a 503 at once.
   */
  async acquire<K extends BackendType>(
    id: string,
    type: K | readonly K[],
  ): Promise<{ backend: BackendOf<K>; release(): void }> {
    this.ensureServing(id);
    try {
      return await this.catalog.acquire(id, type);
    } catch (err) {
      if (err instanceof InferenceError && err.code === InferenceErrorCode.UnknownModel)
        throw new MinerError(MinerErrorCode.ModelNotLoaded, err.message, { cause: err });
      throw err;
    }
  }

  /** Throws the 503 a model out of service (waiting for its reload) is answered with. */
  ensureServing(id: string): void {
    const reason = this.reloads.reasonFor(id);
    if (reason === undefined) return;
    throw new MinerError(
      MinerErrorCode.ModelFailed,
      `model '${id}' is being reloaded after a failure (${reason}); try again later`,
      { status: StatusCode.Unavailable },
    );
  }

  /**
   * What to answer for an error thrown while model `id` ran: when its backend broke (see
   * isBackendFailure), the model is taken out of service and reloaded, and the answer is a 503
   * naming the reason; any other error is returned as it is. A model behind a remote server
   * (llm-openai) has no session here to reload.
   */
  failure(id: string, err: unknown): unknown {
    if (!isBackendFailure(err) || this.catalog.plan(id)?.device === REMOTE_DEVICE) return err;
    const reason = (err instanceof Error ? err.message : String(err)).slice(0, 300);
    this.reloads.markBroken(id, reason);
    return new MinerError(
      MinerErrorCode.ModelFailed,
      `model '${id}' failed (${reason}); it is being reloaded`,
      { status: StatusCode.Unavailable, cause: err },
    );
  }

  /** The models out of service now, waiting for their reload. */
  brokenModels(): string[] {
    return this.reloads.brokenModels();
  }

  /** Calls `fn` when a model breaks, when a reload attempt fails, and when it is reloaded. */
  watchHealth(fn: (event: ModelHealthEvent) => void): void {
    this.onHealth.add(fn);
  }

  /** Stops pending reloads, then unloads every idle model. */
  async close(): Promise<void> {
    await this.reloads.close();
    await this.catalog.close();
  }

  /** Calls `fn` whenever a model is loaded or unloaded (or breaks, or is reloaded). */
  watch(fn: () => void): void {
    this.catalog.watch(fn);
    this.onHealth.add(() => fn());
  }
}
