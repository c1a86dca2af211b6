/**
 * The `models` section of a miner's or validator's configuration: the model registry, memory
 * budgets per device, and the models the process runs by id (an LLM from the registry, an ONNX
 * diffusion export folder, an upscaler, a CLIP vision tower, an NSFW classifier), each with the
 * execution providers and device it runs on.
 */
import { z } from 'zod';

const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) =>
    (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s !== ''),
  );
const count = (min: number) => z.coerce.number().int().min(min);

/** Where and how one model runs: execution providers in order, GPU ordinal, threads, memory. */
const runtimeFields = {
  providers: list.pipe(z.array(z.enum(['cuda', 'webgpu', 'cpu'])).min(1)).default(['cpu']),
  device_id: count(0).default(0),
  /** Intra-op threads; 0 = onnxruntime's default. */
  threads: count(0).default(0),
  /** Bytes the loaded model takes on its device (default: the manifest's, else its files' size). */
  memory_bytes: count(1).optional(),
};
/** Overrides of a diffusion tokenizer's own settings (tokenizer_config.json), each optional. */
const tokenizerOverride = z.strictObject({
  max_length: count(1).optional(),
  bos_token: z.string().min(1).optional(),
  eos_token: z.string().min(1).optional(),
  pad_token: z.string().min(1).optional(),
});
/** Models that compute what validators check on every image: CLIP embedding, NSFW flag. */
const featureFields = { clip: z.string().min(1).optional(), nsfw: z.string().min(1).optional() };

export const modelEntrySchema = z.discriminatedUnion('type', [
  /** A registry model (pipeline llm-decoder), downloaded with `pnpm models pull`. */
  z.strictObject({
    type: z.literal('llm'),
    /** The id in the registry manifests; defaults to this entry's id. */
    registry_id: z.string().min(1).optional(),
    decode_mode: z.enum(['exact', 'fast']).default('exact'),
    ...runtimeFields,
  }),
  /**
   * An ONNX diffusion export folder as Optimum / diffusers write it (text_encoder/, unet/,
   * vae_decoder/, tokenizer/, model_index.json, scheduler/, ...). The settings below override
   * what the export's own files say; left out, the export's files decide.
   */
  z.strictObject({
    type: z.literal('diffusion'),
    dir: z.string().min(1),
    /** Sampler settings (createScheduler's names: kind, timestepSpacing, stepsOffset, ...). */
    scheduler: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    vae_scaling_factor: z.coerce.number().positive().optional(),
    tokenizer: tokenizerOverride.optional(),
    /** SDXL's second tokenizer. */
    tokenizer_2: tokenizerOverride.optional(),
    /** LoRA adapters of this model: id -> safetensors file (PEFT layout) and alpha. */
    loras: z
      .record(
        z.string(),
        z.strictObject({ path: z.string().min(1), alpha: z.coerce.number().positive().optional() }),
      )
      .default({}),
    ...featureFields,
    ...runtimeFields,
  }),
  /** A super-resolution ONNX model (input [1,3,H,W] -> output [1,3,sH,sW]), run in tiles. */
  z.strictObject({
    type: z.literal('upscaler'),
    file: z.string().min(1),
    tile: count(1).default(256),
    overlap: count(0).default(16),
    ...featureFields,
    ...runtimeFields,
  }),
  /** A CLIP vision tower (pixel_values -> image_embeds). */
  z.strictObject({ type: z.literal('clip'), file: z.string().min(1), ...runtimeFields }),
  /** An image classifier used as the NSFW flag (pixel_values -> logits). */
  z.strictObject({
    type: z.literal('nsfw'),
    file: z.string().min(1),
    threshold: z.coerce.number().min(0).max(1).default(0.5),
    nsfw_class: count(0).default(1),
    ...runtimeFields,
  }),
]);
export type ModelEntryConfig = z.output<typeof modelEntrySchema>;
export type ModelType = ModelEntryConfig['type'];

export const modelsConfigSchema = z.strictObject({
  /** The model registry (LLMs): operator manifests after the built-in one, and the cache. */
  registry: z
    .strictObject({ manifests: list.default([]), cache_dir: z.string().min(1).optional() })
    .prefault({}),
  /** Bytes each device may hold ("cpu", "cuda:0"); a device not listed has no limit. */
  budgets: z.record(z.string(), count(0)).default({}),
  /** The models the process runs, by id (the ids its tasks name). */
  entries: z.record(z.string(), modelEntrySchema).default({}),
});
export type ModelsConfig = z.output<typeof modelsConfigSchema>;
