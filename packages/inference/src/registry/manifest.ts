import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InferenceError, InferenceErrorCode } from '../errors';

/**
 * The model registry manifest: one JSON file listing models and LoRA adapters, with where their
 * files come from and their sha256. Operators add their own file; later files override entries
 * of earlier ones by id.
 */
export const taskKinds = [
  'text-generation',
  'text-to-image',
  'image-to-image',
  'inpainting',
  'image-embedding',
] as const;
export const pipelineTypes = [
  'llm-decoder',
  'llm-openai',
  'sd-unet',
  'sd-text-encoder',
  'sd-vae-decoder',
  'clip-image',
] as const;

const idSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,127}$/, 'lowercase letters, digits, . _ - (max 128)');

export const modelFileSchema = z
  .object({
    /** Path inside the model's cache folder, e.g. "model.onnx" or "onnx/decoder.onnx". */
    path: z.string().regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9._/-]+$/, 'a relative path without ..'),
    /** http(s), or file: for a local export (`models export` writes those). */
    url: z.url({ protocol: /^(https?|file)$/ }),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits'),
    size: z.number().int().nonnegative(),
  })
  .strict();
export type ModelFile = z.infer<typeof modelFileSchema>;

export const generationDefaultsSchema = z
  .object({
    temperature: z.number().min(0).max(4).optional(),
    topP: z.number().gt(0).max(1).optional(),
    topK: z.number().int().min(0).optional(),
    maxTokens: z.number().int().min(1).optional(),
    maxContext: z.number().int().min(1).optional(),
  })
  .strict();

export const modelEntrySchema = z
  .object({
    id: idSchema,
    description: z.string().optional(),
    taskKinds: z.array(z.enum(taskKinds)).min(1),
    pipeline: z.enum(pipelineTypes),
    precision: z.enum(['fp32', 'fp16', 'bf16', 'int8', 'int4']),
    /** Memory the loaded model takes on its device, for the model manager's budget. */
    memoryBytes: z.number().int().positive(),
    files: z.array(modelFileSchema),
    defaults: generationDefaultsSchema.default({}),
    /** For pipeline 'llm-openai': an OpenAI-compatible server (vLLM and others) serving it. */
    server: z
      .object({
        baseUrl: z.url(),
        model: z.string().min(1),
        apiKeyEnv: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((m) => (m.pipeline === 'llm-openai') === (m.server !== undefined), {
    message: "pipeline 'llm-openai' needs 'server' (and only it may have one)",
  })
  .refine((m) => m.pipeline === 'llm-openai' || m.files.length > 0, {
    message: 'files must not be empty',
  });
export type ModelEntry = z.infer<typeof modelEntrySchema>;

export const adapterEntrySchema = z
  .object({
    id: idSchema,
    baseModel: idSchema,
    /** The adapter's weights (PEFT's adapter_model.safetensors). */
    file: modelFileSchema,
    /**
     * PEFT's adapter_config.json (lora_alpha, r, use_rslora, rank/alpha patterns), downloaded
     * next to the weights. Its path must differ from the weights' path.
     */
    config: modelFileSchema.optional(),
    /**
     * LoRA alpha for every target (scale = alpha / rank, or alpha / sqrt(rank) with rslora).
     * Wins over adapter_config.json, then the file's lora_alpha metadata, then the rank.
     */
    alpha: z.number().positive().optional(),
  })
  .strict()
  .refine((a) => a.config === undefined || a.config.path !== a.file.path, {
    message: 'config.path must differ from file.path',
  });
export type AdapterEntry = z.infer<typeof adapterEntrySchema>;

export const manifestSchema = z
  .object({
    version: z.literal(1),
    models: z.array(modelEntrySchema).default([]),
    adapters: z.array(adapterEntrySchema).default([]),
  })
  .strict();
export type Manifest = z.infer<typeof manifestSchema>;

export function parseManifest(value: unknown, source = 'manifest'): Manifest {
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join('.') || '(root)'}: ${i.message}`,
    );
    throw new InferenceError(
      InferenceErrorCode.BadManifest,
      `${source} is not a valid model manifest: ${problems.join('; ')}`,
    );
  }
  return parsed.data;
}

export async function readManifestFile(path: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InferenceError(InferenceErrorCode.BadManifest, `cannot read manifest ${path}`, {
      cause: err,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InferenceError(InferenceErrorCode.BadManifest, `${path} is not JSON`, { cause: err });
  }
  return parseManifest(json, path);
}

/** Merges manifests in order: an entry with an id seen before replaces the earlier one. */
export function mergeManifests(manifests: readonly Manifest[]): Manifest {
  const models = new Map<string, ModelEntry>();
  const adapters = new Map<string, AdapterEntry>();
  for (const m of manifests) {
    for (const e of m.models) models.set(e.id, e);
    for (const a of m.adapters) adapters.set(a.id, a);
  }
  const merged: Manifest = {
    version: 1,
    models: [...models.values()],
    adapters: [...adapters.values()],
  };
  for (const a of merged.adapters) {
    if (!models.has(a.baseModel)) {
      throw new InferenceError(
        InferenceErrorCode.BadManifest,
        `adapter ${a.id} names base model ${a.baseModel}, which no manifest lists`,
      );
    }
  }
  return merged;
}
