import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
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

export interface FluxReference {
  token_ids: Record<'dev' | 'schnell', TokenReference>;
  cases: Record<string, FluxCase>;
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
});

// The CPU unless SUBNET_INFERENCE_PROVIDERS says otherwise.
export const runtime = runtimeConfigFromEnv(process.env, { intraOpNumThreads: 1 });
