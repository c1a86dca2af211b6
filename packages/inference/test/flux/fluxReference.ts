import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { LoraInput } from '../../src/llm/decoderModel';
import type { AdapterSource } from '../../src/llm/llmEngine';
import { AdapterStore } from '../../src/lora/adapterStore';
import { runtimeConfigFromEnv } from '../../src/runtime/runtimeConfig';

/** The committed Flux fixture (test/fixtures/hf/flux, see its README) and helpers over it. */
const here = dirname(fileURLToPath(import.meta.url));
export const fixtures = join(here, '..', 'fixtures', 'hf');
export const fluxDir = (model: 'dev' | 'schnell') => join(fixtures, 'flux', model);

export interface TensorFile {
  file: string;
  shape: number[];
}

export interface FluxCase {
  model_dir: string;
  pipeline: 'FluxPipeline' | 'FluxImg2ImgPipeline';
  prompt: string;
  negative_prompt: string;
  guidance_scale: number;
  num_inference_steps: number;
  height: number;
  width: number;
  strength?: number;
  input_image?: string;
  /** The adapter diffusers loaded (load_lora_weights), a key of FluxReference.loras. */
  lora?: string;
  max_sequence_length: number;
  vae_scale_factor: number;
  vae_scaling_factor: number;
  vae_shift_factor: number;
  guidance_embeds: boolean;
  image_seq_len: number;
  mu: number | null;
  scheduler_sigmas: number[];
  scheduler_timesteps: number[];
  timesteps_run: number[];
  transformer_timesteps: number[];
  initial_noise: TensorFile;
  text_conditioning: { prompt_embeds: TensorFile; pooled_prompt_embeds: TensorFile };
  final_latents_packed: TensorFile;
  output_image: string;
}

export interface TokenReference {
  prompts: string[];
  tokenizer: { max_length: number; ids: number[][] };
  tokenizer_2: { max_length: number; pad_token_id: number; eos_token_id: number; ids: number[][] };
}

/** A LoRA adapter of the fixture, as diffusers' FluxPipeline.save_lora_weights wrote it. */
export interface FluxLoraReference {
  /** pytorch_lora_weights.safetensors, relative to test/fixtures/hf. */
  file: string;
  model: 'dev' | 'schnell';
  r: number;
  alpha: number;
  scale: number;
  targets: string[];
}

export interface FluxReference {
  token_ids: Record<'dev' | 'schnell', TokenReference>;
  cases: Record<string, FluxCase>;
  loras: Record<string, FluxLoraReference>;
  onnx_check: Record<'dev' | 'schnell', Record<string, number>>;
}

export async function loadReference(): Promise<FluxReference> {
  return JSON.parse(
    await readFile(join(fixtures, 'flux', 'reference.json'), 'utf8'),
  ) as FluxReference;
}

export async function floats(file: string): Promise<Float32Array> {
  const bytes = await readFile(join(fixtures, file));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

export async function bytes(file: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(join(fixtures, file)));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  }
  return max;
}

/** The task fields of a case (the seed is unused when the noise comes from the case). */
export const taskOf = (c: FluxCase, seed = 0) => ({
  prompt: c.prompt,
  negative_prompt: c.negative_prompt,
  steps: c.num_inference_steps,
  cfg_scale: c.guidance_scale,
  width: c.width,
  height: c.height,
  seed,
  ...(c.lora !== undefined ? { lora: c.lora } : {}),
});

/**
 * An AdapterSource that forwards to a store made once the pipeline is open (the store needs the
 * pipeline's LoRA inputs, the pipeline needs the source), as the model loader wires it. The
 * adapters are the fixture's, by id; each gets its explicit alpha: the store does not read the
 * alpha that diffusers keeps in the file's `lora_adapter_metadata` JSON.
 */
export function fixtureAdapters(reference: FluxReference): {
  adapters: AdapterSource;
  attach(inputs: readonly LoraInput[]): AdapterStore;
} {
  let store: AdapterStore | undefined;
  return {
    adapters: {
      feeds: (id) => {
        if (!store) throw new Error('fixtureAdapters: attach() the pipeline first');
        return store.feeds(id);
      },
    },
    attach(inputs) {
      store = new AdapterStore({
        inputs,
        budgetBytes: 1 << 20,
        resolve: async (id) => {
          const lora = reference.loras[id];
          // No explicit alpha: the store reads it from the LoRA config diffusers saved in the
          // file's metadata (lora_adapter_metadata), as it would for an operator's file.
          return lora ? { path: join(fixtures, lora.file) } : undefined;
        },
      });
      return store;
    },
  };
}

// The CPU unless SUBNET_INFERENCE_PROVIDERS says otherwise.
export const runtime = runtimeConfigFromEnv(process.env, { intraOpNumThreads: 1 });
