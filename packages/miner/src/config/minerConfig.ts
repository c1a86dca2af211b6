/**
 * The miner's configuration: one zod schema over defaults < config file < environment < flags,
 * validated once at start (STYLE 5). Flag names follow btcli (`--wallet.name`, `--axon.port`).
 */
import { TASK_KINDS } from '@subnet/protocol/tasks';
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65_535);
const bool = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
]);
const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) =>
    (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s !== ''),
  );

const taskLimitsSchema = z.strictObject({
  concurrency: z.coerce.number().int().min(1).max(1024),
  queue: z.coerce.number().int().min(0).max(10_000),
});

const servedTaskSchema = z.strictObject({
  /** Model ids (from the model registry) that serve this task kind. */
  models: list.pipe(z.array(z.string()).min(1)),
  /** Units of work offered per period (images, or tokens for Chat/Completion). */
  volume: z.coerce.number().min(0),
  loras: list.default([]),
});

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
/** Models that compute what validators check on every image: CLIP embedding, NSFW flag. */
const featureFields = { clip: z.string().min(1).optional(), nsfw: z.string().min(1).optional() };

const modelEntrySchema = z.discriminatedUnion('type', [
  /** A registry model (pipeline llm-decoder), downloaded with `pnpm miner models pull`. */
  z.strictObject({
    type: z.literal('llm'),
    /** The id in the registry manifests; defaults to this entry's id. */
    registry_id: z.string().min(1).optional(),
    decode_mode: z.enum(['exact', 'fast']).default('exact'),
    ...runtimeFields,
  }),
  /** An ONNX diffusion export folder (text_encoder/, unet/, vae_decoder/, tokenizer/, ...). */
  z.strictObject({
    type: z.literal('diffusion'),
    dir: z.string().min(1),
    scheduler: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    vae_scaling_factor: z.coerce.number().positive().default(0.18215),
    tokenizer: z
      .strictObject({
        max_length: count(1),
        bos_token: z.string().min(1),
        eos_token: z.string().min(1),
        pad_token: z.string().min(1),
      })
      .optional(),
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

const modelsSchema = z.strictObject({
  /** The model registry (LLMs): operator manifests after the built-in one, and the cache. */
  registry: z
    .strictObject({ manifests: list.default([]), cache_dir: z.string().min(1).optional() })
    .prefault({}),
  /** Bytes each device may hold ("cpu", "cuda:0"); a device not listed has no limit. */
  budgets: z.record(z.string(), count(0)).default({}),
  /** The models this miner runs, by id (the ids tasks.<Kind>.models name). */
  entries: z.record(z.string(), modelEntrySchema).default({}),
});
export type ModelsConfig = z.output<typeof modelsSchema>;

export const minerConfigSchema = z.strictObject({
  netuid: z.coerce.number().int().min(0).max(65_535),
  subtensor: z
    .strictObject({
      /** finney | test | local | a ws:// or wss:// URL */
      network: z.string().min(1).default('local'),
    })
    .prefault({}),
  wallet: z
    .strictObject({
      name: z.string().min(1).default('default'),
      hotkey: z.string().min(1).default('default'),
      path: z.string().min(1).default('~/.bittensor/wallets'),
    })
    .prefault({}),
  axon: z
    .strictObject({
      ip: z.string().default('0.0.0.0'),
      /** 0 picks a free port (announced on chain as such unless --axon.external_port). */
      port: z.coerce.number().int().min(0).max(65_535).default(8091),
      /** The IP announced on chain (serve_axon); required unless --subtensor.network local. */
      external_ip: z.string().optional(),
      external_port: port.optional(),
      body_limit_mb: z.coerce.number().min(1).max(512).default(24),
    })
    .prefault({}),
  blacklist: z
    .strictObject({
      min_stake: z.coerce.number().min(0).default(0),
      require_validator_permit: bool.default(true),
      allow_hotkeys: list.default([]),
      deny_hotkeys: list.default([]),
    })
    .prefault({}),
  limits: z
    .strictObject({
      per_validator: z.coerce.number().int().min(1).max(10_000).default(8),
      default: taskLimitsSchema.prefault({ concurrency: 1, queue: 4 }),
      tasks: z.partialRecord(z.enum(TASK_KINDS), taskLimitsSchema).default({}),
    })
    .prefault({}),
  tasks: z.partialRecord(z.enum(TASK_KINDS), servedTaskSchema).default({}),
  models: modelsSchema.prefault({}),
  metagraph: z
    .strictObject({ refresh_seconds: z.coerce.number().min(1).max(3600).default(60) })
    .prefault({}),
  logging: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    })
    .prefault({}),
});

export type MinerConfig = z.output<typeof minerConfigSchema>;
