/**
 * The miner's task backends from its config, in one function: every `tasks.<Kind>` is checked
 * against `models.entries` (known ids, the right model type, the parts the task needs, its
 * adapters), the served models are loaded once so that a bad file stops start-up, and each task
 * kind gets its handler. `bindMetrics` keeps `miner_model_loaded{model,device}` and the broken
 * models' failures and reloads current.
 */
import type { DiffusionKind } from '@subnet/inference/tasks';
import type { TaskKind } from '@subnet/protocol/tasks';
import type { Logger } from 'pino';
import type { TaskHandler } from '../axon/taskHandler';
import type { MinerConfig, ModelType } from '../config/minerConfig';
import { MinerError, MinerErrorCode } from '../errors';
import type { MinerMetrics } from '../metrics/minerMetrics';
import { clipTaskHandler, diffusionTaskHandler, upscaleTaskHandler } from './imageTasks';
import { ModelCatalog } from './modelCatalog';
import type { ServedModels } from './servedModels';
import { textTaskHandler } from './textTasks';

/**
 * What each task kind runs on, and the optional part a Stable Diffusion export needs for it (each
 * diffusion family says which kinds it serves: the catalog's `diffusion`).
 */
const TASK_MODELS: Record<TaskKind, { type: ModelType; part?: string }> = {
  Chat: { type: 'llm' },
  Completion: { type: 'llm' },
  TextToImage: { type: 'diffusion' },
  ImageToImage: { type: 'diffusion', part: 'vae_encoder' },
  Inpaint: { type: 'diffusion', part: 'vae_encoder' },
  Uncrop: { type: 'diffusion', part: 'vae_encoder' },
  ControlNet: { type: 'diffusion', part: 'controlnet' },
  Upscale: { type: 'upscaler' },
  ClipEmbeddings: { type: 'clip' },
};

export interface TaskBackends {
  backends: Partial<Record<TaskKind, TaskHandler>>;
  catalog: ModelCatalog;
  /**
   * Sets `miner_model_loaded` and `miner_model_broken` now and whenever a model is loaded,
   * unloaded, breaks or is reloaded; counts failures and reload attempts.
   */
  bindMetrics(metrics: MinerMetrics): void;
  /** Stops pending reloads and unloads every idle model. */
  close(): Promise<void>;
}

export interface BuildTaskBackendsOptions {
  /**
   * The environment the caller passes (its `io.env`): the registry's SUBNET_MODELS_* variables and
   * model servers' API keys (default none: libraries never read process.env).
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Load the served models now (default true), so that a broken model stops start-up. */
  preload?: boolean;
}

const configError = (message: string) => new MinerError(MinerErrorCode.ConfigInvalid, message);

export async function buildTaskBackends(
  config: Pick<MinerConfig, 'tasks' | 'models'>,
  log: Logger,
  options: BuildTaskBackendsOptions = {},
): Promise<TaskBackends> {
  const tasks = Object.entries(config.tasks) as [
    TaskKind,
    NonNullable<MinerConfig['tasks'][TaskKind]>,
  ][];
  if (tasks.length === 0 && Object.keys(config.models.entries).length === 0) {
    log.info('no tasks and no models configured');
  }
  const catalog = await ModelCatalog.open({
    models: config.models,
    log: log.child({ module: 'models' }),
    ...(options.env ? { env: options.env } : {}),
  });
  const known = catalog.ids().join(', ') || 'none';
  for (const [kind, task] of tasks) {
    const need = TASK_MODELS[kind];
    for (const id of task.models) {
      const entry = catalog.entry(id);
      if (!entry) {
        throw configError(
          `tasks.${kind}.models names '${id}', which models.entries does not list (listed: ${known})`,
        );
      }
      if (entry.type !== need.type) {
        throw configError(
          `tasks.${kind}.models: '${id}' is a ${entry.type} model; ${kind} needs a ${need.type} model`,
        );
      }
      const diffusion = catalog.diffusion.get(id);
      if (diffusion && !diffusion.kinds.has(kind as DiffusionKind)) {
        throw configError(
          diffusion.family === 'stable-diffusion' && need.part
            ? `tasks.${kind}.models: '${id}' has no ${need.part}/model.onnx, which ${kind} needs`
            : `tasks.${kind}.models: '${id}' is a ${diffusion.family} export, which serves ${[...diffusion.kinds].join(', ')}, not ${kind}`,
        );
      }
      for (const lora of task.loras) {
        const ok =
          entry.type === 'llm'
            ? catalog.registry?.adapter(lora)?.baseModel === (entry.registry_id ?? id)
            : entry.type === 'diffusion' && lora in entry.loras;
        if (!ok) {
          throw configError(
            `tasks.${kind}.loras: adapter '${lora}' is not an adapter of model '${id}' (${entry.type === 'llm' ? 'the registry lists adapters with their baseModel' : entry.type === 'diffusion' ? `models.entries.${id}.loras lists them` : `${entry.type} models take no adapters`})`,
          );
        }
      }
    }
  }

  const backends: Partial<Record<TaskKind, TaskHandler>> = {};
  for (const [kind, task] of tasks) {
    const served: ServedModels = { models: [...task.models], loras: [...task.loras] };
    backends[kind] =
      kind === 'Chat' || kind === 'Completion'
        ? textTaskHandler(kind, catalog, served)
        : kind === 'Upscale'
          ? upscaleTaskHandler(catalog, served)
          : kind === 'ClipEmbeddings'
            ? clipTaskHandler(catalog, served)
            : diffusionTaskHandler(kind, catalog, served);
  }

  if (options.preload ?? true) {
    const wanted = new Set<string>();
    for (const [, task] of tasks) {
      for (const id of task.models) {
        wanted.add(id);
        const entry = catalog.entry(id);
        if (entry && (entry.type === 'diffusion' || entry.type === 'upscaler')) {
          if (entry.clip) wanted.add(entry.clip);
          if (entry.nsfw) wanted.add(entry.nsfw);
        }
      }
    }
    for (const id of wanted) {
      log.info({ model: id }, 'loading model');
      try {
        (await catalog.manager.acquire(id)).release();
      } catch (cause) {
        await catalog.close();
        throw new MinerError(
          MinerErrorCode.ModelNotLoaded,
          `model '${id}' failed to load: ${(cause as Error).message}`,
          { cause },
        );
      }
    }
  }

  return {
    backends,
    catalog,
    bindMetrics(metrics) {
      const refresh = () => {
        metrics.modelsLoaded.reset();
        for (const m of catalog.manager.loaded()) {
          if (m.state === 'ready') metrics.modelsLoaded.set({ model: m.id, device: m.device }, 1);
        }
        metrics.modelBroken.reset();
        for (const id of catalog.brokenModels()) metrics.modelBroken.set({ model: id }, 1);
      };
      catalog.watch(refresh);
      catalog.watchHealth(({ model, event }) => {
        if (event === 'failed') metrics.modelFailures.inc({ model });
        else metrics.modelReloads.inc({ model, outcome: event === 'reloaded' ? 'ok' : 'failed' });
      });
      refresh();
    },
    close: () => catalog.close(),
  };
}
