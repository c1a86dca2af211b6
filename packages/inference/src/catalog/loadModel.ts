/**
 * Loads one configured model: an LLM from the registry (openLlmEngine), a diffusion export folder
 * (openDiffusionPipeline, with its LoRA adapters from the entry), or a single-file upscaler, CLIP
 * vision tower or NSFW classifier, each on the entry's execution providers.
 */
import type { Logger } from 'pino';
import { schedulerConfigSchema } from '../diffusion/createScheduler';
import type { DiffusionPipeline } from '../diffusion/diffusionPipeline';
import { openDiffusionPipeline } from '../diffusion/openDiffusionPipeline';
import { TiledUpscaler } from '../diffusion/tiledUpscaler';
import { ClipEmbedder } from '../image/clipEmbedder';
import { NsfwClassifier } from '../image/nsfwClassifier';
import type { AdapterSource, LlmEngine } from '../llm/llmEngine';
import { openLlmEngine } from '../llm/openLlmEngine';
import { AdapterStore } from '../lora/adapterStore';
import type { ModelRegistry } from '../registry/modelRegistry';
import type { LoadedModel } from '../runtime/modelManager';
import { createSession } from '../runtime/sessionFactory';
import { runtimeOf } from './checkModelEntries';
import { expandHome } from './expandHome';
import type { ModelEntryConfig, ModelType } from './modelsConfig';

/** A loaded model, by type. */
export type LoadedBackend =
  | { type: 'llm'; engine: LlmEngine }
  | { type: 'diffusion'; pipeline: DiffusionPipeline; parts: ReadonlySet<string> }
  | { type: 'upscaler'; upscaler: TiledUpscaler }
  | { type: 'clip'; clip: ClipEmbedder }
  | { type: 'nsfw'; nsfw: NsfwClassifier };

export type BackendOf<K extends ModelType> = Extract<LoadedBackend, { type: K }>;

export async function loadModel(options: {
  id: string;
  entry: ModelEntryConfig;
  registry: ModelRegistry | undefined;
  log: Logger;
}): Promise<LoadedModel<LoadedBackend>> {
  const { id, entry } = options;
  const runtime = runtimeOf(entry);
  const logger = options.log.child({ model: id });
  switch (entry.type) {
    case 'llm': {
      const loaded = await openLlmEngine({
        registry: options.registry as ModelRegistry,
        modelId: entry.registry_id ?? id,
        runtime,
        decodeMode: entry.decode_mode,
        logger,
      });
      return { ...loaded, value: { type: 'llm', engine: loaded.value } };
    }
    case 'diffusion': {
      // The adapter store needs the opened pipeline's LoRA inputs: the pipeline gets a source
      // that forwards to the store made right after.
      let store: AdapterStore | undefined;
      const adapters: AdapterSource = {
        feeds: (adapterId) => (store as AdapterStore).feeds(adapterId),
      };
      const loras = entry.loras;
      const t = entry.tokenizer;
      const opened = await openDiffusionPipeline({
        dir: expandHome(entry.dir),
        runtime,
        pipeline: {
          scheduler: schedulerConfigSchema.parse(entry.scheduler),
          vaeScalingFactor: entry.vae_scaling_factor,
          ...(Object.keys(loras).length > 0 ? { adapters } : {}),
        },
        ...(t
          ? {
              tokenizer: {
                maxLength: t.max_length,
                bosToken: t.bos_token,
                eosToken: t.eos_token,
                padToken: t.pad_token,
              },
            }
          : {}),
        logger,
      });
      store = new AdapterStore({
        inputs: opened.pipeline.loraInputs,
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
      const device = opened.devices.unet;
      return {
        value: {
          type: 'diffusion',
          pipeline: opened.pipeline,
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
            }
          : entry.type === 'clip'
            ? { type: 'clip', clip: new ClipEmbedder(session) }
            : {
                type: 'nsfw',
                nsfw: new NsfwClassifier(session, {
                  threshold: entry.threshold,
                  nsfwClass: entry.nsfw_class,
                }),
              };
      return { value, device, dispose: () => session.release() };
    }
  }
}
