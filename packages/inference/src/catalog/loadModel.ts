/**
 * Loads one configured model: an LLM from the registry (openLlmEngine), a diffusion export folder
 * (Stable Diffusion through openDiffusionPipeline, with its LoRA adapters from the entry; Flux and
 * Kandinsky exports through their own pipelines, told apart by model_index.json), or a single-file upscaler, CLIP
 * vision tower or NSFW classifier, each on the entry's execution providers.
 */
import type { Logger } from 'pino';
import { parseSchedulerOverrides } from '../diffusion/createScheduler';
import { DiffusionPipeline } from '../diffusion/diffusionPipeline';
import { openDiffusionPipeline } from '../diffusion/openDiffusionPipeline';
import type { PromptTokenizerOptions } from '../diffusion/promptTokenizer';
import { TiledUpscaler } from '../diffusion/tiledUpscaler';
import { openFluxPipeline } from '../flux/openFluxPipeline';
import { ClipEmbedder } from '../image/clipEmbedder';
import { NsfwClassifier } from '../image/nsfwClassifier';
import { KandinskyPipeline } from '../kandinsky/kandinskyPipeline';
import { openKandinskyPipeline } from '../kandinsky/openKandinskyPipeline';
import type { AdapterSource, LlmEngine } from '../llm/llmEngine';
import { OpenAiCompatibleBackend } from '../llm/openAiBackend';
import { openLlmEngine } from '../llm/openLlmEngine';
import { AdapterStore } from '../lora/adapterStore';
import type { ModelRegistry } from '../registry/modelRegistry';
import type { LoadedModel } from '../runtime/modelManager';
import type { EnvRecord } from '../runtime/runtimeConfig';
import { type CreatedSession, createSession } from '../runtime/sessionFactory';
import type { DiffusionRunner } from '../tasks/diffusionRequests';
import { REMOTE_DEVICE, runtimeOf } from './checkModelEntries';
import { type DiffusionFamily, diffusionFamilyOf, transformerRunner } from './diffusionFamilies';
import { expandHome } from './expandHome';
import type { ModelEntryConfig } from './modelsConfig';

type Session = CreatedSession['session'];

/**
 * A loaded model, by type; single-file models keep their onnxruntime session beside it. An `llm`
 * entry of an `llm-openai` registry model is an `llm-remote`: a client of its server.
 */
export type LoadedBackend =
  | { type: 'llm'; engine: LlmEngine }
  | { type: 'llm-remote'; remote: OpenAiCompatibleBackend }
  | {
      type: 'diffusion';
      family: DiffusionFamily;
      /** The diffusion tasks on the model; a family's missing kinds refuse. */
      pipeline: DiffusionRunner;
      parts: ReadonlySet<string>;
    }
  | { type: 'upscaler'; upscaler: TiledUpscaler; session: Session }
  | { type: 'clip'; clip: ClipEmbedder; session: Session }
  | { type: 'nsfw'; nsfw: NsfwClassifier; session: Session };

export type BackendType = LoadedBackend['type'];
export type BackendOf<K extends BackendType> = Extract<LoadedBackend, { type: K }>;

export async function loadModel(options: {
  id: string;
  entry: ModelEntryConfig;
  registry: ModelRegistry | undefined;
  /** For the API key variable of an llm-openai model's server. */
  env: EnvRecord;
  /** A diffusion entry's family, as the entries' check read it (read again when absent). */
  family?: DiffusionFamily;
  log: Logger;
}): Promise<LoadedModel<LoadedBackend>> {
  const { id, entry } = options;
  const runtime = runtimeOf(entry);
  const logger = options.log.child({ model: id });
  switch (entry.type) {
    case 'llm': {
      const registry = options.registry as ModelRegistry;
      const server = registry.model(entry.registry_id ?? id).server;
      if (server) {
        const apiKey = server.apiKeyEnv ? options.env[server.apiKeyEnv] : undefined;
        const remote = new OpenAiCompatibleBackend({
          baseUrl: server.baseUrl,
          model: server.model,
          ...(apiKey ? { apiKey } : {}),
          logger,
        });
        logger.info({ baseUrl: server.baseUrl, served: server.model }, 'LLM served by its server');
        return {
          value: { type: 'llm-remote', remote },
          device: REMOTE_DEVICE,
          dispose: async () => undefined,
        };
      }
      const loaded = await openLlmEngine({
        registry,
        modelId: entry.registry_id ?? id,
        runtime,
        decodeMode: entry.decode_mode,
        logger,
      });
      return { ...loaded, value: { type: 'llm', engine: loaded.value } };
    }
    case 'diffusion': {
      const dir = expandHome(entry.dir);
      const family = options.family ?? (await diffusionFamilyOf(dir));
      // The adapter store needs the opened pipeline's LoRA inputs: the pipeline gets a source
      // that forwards to the store made right after.
      let store: AdapterStore | undefined;
      const adapters: AdapterSource = {
        feeds: (adapterId) => (store as AdapterStore).feeds(adapterId),
      };
      const loras = entry.loras;
      const withAdapters = Object.keys(loras).length > 0 ? { adapters } : {};
      const opened =
        family === 'flux'
          ? await openFluxPipeline({ dir, runtime, pipeline: withAdapters, logger })
          : family === 'kandinsky'
            ? await openKandinskyPipeline({ dir, runtime, logger })
            : await openDiffusionPipeline({
                dir,
                runtime,
                pipeline: {
                  ...(entry.scheduler
                    ? { scheduler: parseSchedulerOverrides(entry.scheduler) }
                    : {}),
                  ...(entry.vae_scaling_factor !== undefined
                    ? { vaeScalingFactor: entry.vae_scaling_factor }
                    : {}),
                  ...withAdapters,
                },
                ...(entry.tokenizer ? { tokenizer: tokenizerOptions(entry.tokenizer) } : {}),
                ...(entry.tokenizer_2 ? { tokenizer2: tokenizerOptions(entry.tokenizer_2) } : {}),
                logger,
              });
      const pipeline = opened.pipeline;
      if (!(pipeline instanceof KandinskyPipeline)) {
        store = new AdapterStore({
          inputs: pipeline.loraInputs,
          budgetBytes: 256 * 1024 * 1024,
          resolve: async (adapterId) => {
            const file = loras[adapterId];
            if (!file) return undefined;
            return {
              path: expandHome(file.path),
              ...(file.alpha !== undefined ? { alpha: file.alpha } : {}),
            };
          },
          logger,
        });
      }
      const device = (opened.devices as Record<string, string>)[
        family === 'flux' ? 'transformer' : 'unet'
      ];
      return {
        value: {
          type: 'diffusion',
          family,
          pipeline:
            pipeline instanceof DiffusionPipeline
              ? pipeline
              : transformerRunner(family as 'flux' | 'kandinsky', pipeline),
          parts: new Set(Object.keys(opened.devices)),
        },
        ...(device ? { device } : {}),
        dispose: () => opened.release(),
      };
    }
    default: {
      const { session, device } = await createSession(expandHome(entry.file), runtime, logger);
      const value: LoadedBackend =
        entry.type === 'upscaler'
          ? {
              type: 'upscaler',
              upscaler: new TiledUpscaler(session, { tile: entry.tile, overlap: entry.overlap }),
              session,
            }
          : entry.type === 'clip'
            ? { type: 'clip', clip: new ClipEmbedder(session), session }
            : {
                type: 'nsfw',
                nsfw: new NsfwClassifier(session, {
                  threshold: entry.threshold,
                  nsfwClass: entry.nsfw_class,
                }),
                session,
              };
      return { value, device, dispose: () => session.release() };
    }
  }
}

/** A config tokenizer block as the pipeline's options (only the settings given). */
function tokenizerOptions(
  t: NonNullable<Extract<ModelEntryConfig, { type: 'diffusion' }>['tokenizer']>,
): Partial<PromptTokenizerOptions> {
  return {
    ...(t.max_length !== undefined ? { maxLength: t.max_length } : {}),
    ...(t.bos_token !== undefined ? { bosToken: t.bos_token } : {}),
    ...(t.eos_token !== undefined ? { eosToken: t.eos_token } : {}),
    ...(t.pad_token !== undefined ? { padToken: t.pad_token } : {}),
  };
}
