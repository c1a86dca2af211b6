import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DiffusionResult } from '../../src/diffusion/diffusionTypes';
import { openDiffusionPipeline } from '../../src/diffusion/openDiffusionPipeline';
import { openTokenizerFolder } from '../../src/diffusion/tokenizerFolder';
import { decodeImage } from '../../src/image/decodeImage';
import type * as ort from '../../src/runtime/ort';
import { runtimeConfigFromEnv } from '../../src/runtime/runtimeConfig';

/**
 * Parity with diffusers 0.39 on Optimum 2.1 exports of random-weight tiny SD 1.5, SDXL,
 * SD inpainting and SD 1.5 + ControlNet models (test/fixtures/hf/sd, see its README): each
 * export folder is opened exactly as written (model_index.json, scheduler_config.json, the VAE
 * config, the slow-layout CLIP tokenizers), each case runs from diffusers' own initial latents
 * (or img2img's noise), and the result must equal diffusers' PNG within 2 grey levels; the token
 * ids and text conditioning must equal diffusers'.
 */
const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', 'fixtures', 'hf');
const referenceFile = join(fixtures, 'sd', 'reference.json');

interface TensorFile {
  file: string;
  shape: number[];
}
interface Case {
  model_dir: string;
  pipeline: string;
  prompt: string;
  negative_prompt: string;
  guidance_scale: number;
  num_inference_steps: number;
  height: number;
  width: number;
  vae_scaling_factor: number;
  strength?: number;
  input_image?: string;
  input_mask_image?: string;
  control_image?: string;
  controlnet_conditioning_scale?: number;
  scheduler: { class: string; timestep_spacing: string };
  scheduler_timesteps: number[];
  token_ids: Record<string, { pad_token: string; prompt: number[]; negative: number[] }>;
  text_conditioning: Record<string, TensorFile | unknown>;
  initial_latents?: TensorFile;
  noise: TensorFile[];
  output_image: string;
}

async function floats(file: string): Promise<Float32Array> {
  const bytes = await readFile(join(fixtures, file));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++)
    max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** The task fields of a case (the seed is unused: the noise comes from the case). */
const taskOf = (c: Case) => ({
  prompt: c.prompt,
  negative_prompt: c.negative_prompt,
  steps: c.num_inference_steps,
  cfg_scale: c.guidance_scale,
  width: c.width,
  height: c.height,
  seed: 0,
});

/** Row `row` of a [2, …] tensor (0: negative, 1: prompt). */
function row(tensor: ort.Tensor | undefined, index: number): Float32Array {
  const data = tensor?.data as Float32Array;
  const n = data.length / 2;
  return data.subarray(index * n, (index + 1) * n);
}

/** A temporary copy of a tokenizer folder in the slow layout Optimum writes (no tokenizer.json). */
async function slowLayoutCopy(from: string): Promise<string> {
  const to = await mkdtemp(join(tmpdir(), 'clip-slow-'));
  for (const file of [
    'vocab.json',
    'merges.txt',
    'tokenizer_config.json',
    'special_tokens_map.json',
  ]) {
    await copyFile(join(from, file), join(to, file));
  }
  return to;
}

// The CPU unless SUBNET_INFERENCE_PROVIDERS says otherwise (scripts/gpu-check.sh: cuda).
const runtime = runtimeConfigFromEnv(process.env, { intraOpNumThreads: 1 });

describe('Optimum exports run as diffusers runs them (test/fixtures/hf/sd)', async () => {
  const reference = JSON.parse(await readFile(referenceFile, 'utf8')) as {
    cases: Record<string, Case>;
  };
  it('has the six committed cases', () => {
    expect(Object.keys(reference.cases).sort()).toEqual([
      'sd-inpaint',
      'sd15-controlnet',
      'sd15-img2img',
      'sd15-txt2img',
      'sdxl-txt2img',
      'sdxl-txt2img-empty-negative',
    ]);
  });
  const input = async (path: string | undefined) =>
    new Uint8Array(await readFile(join(fixtures, path as string)));

  for (const [name, c] of Object.entries(reference.cases)) {
    it(`${name}: token ids, text conditioning and the image equal diffusers'`, async () => {
      const start = c.initial_latents ?? c.noise[0];
      const noise = start ? await floats(start.file) : undefined;
      const opened = await openDiffusionPipeline({
        dir: join(fixtures, c.model_dir),
        runtime,
        pipeline: noise ? { initialNoise: () => noise.slice() } : {},
      });
      try {
        // What the export's files said.
        expect(opened.settings.pipelineClass).toBe(
          c.pipeline === 'StableDiffusionImg2ImgPipeline' ? 'StableDiffusionPipeline' : c.pipeline,
        );
        expect(opened.settings.scheduler.timestepSpacing).toBe(c.scheduler.timestep_spacing);
        expect(opened.settings.vaeScalingFactor).toBe(c.vae_scaling_factor);

        // Token ids of each tokenizer, as CLIPTokenizer gave them to diffusers.
        const names = ['tokenizer', 'tokenizer_2'].filter((t) => c.token_ids[t]);
        expect(opened.tokenizers).toHaveLength(names.length);
        for (const [i, t] of names.entries()) {
          const ids = c.token_ids[t] as Case['token_ids'][string];
          const tokenizer = opened.tokenizers[i];
          expect(tokenizer?.options.padToken).toBe(ids.pad_token);
          expect(tokenizer?.encode(c.prompt)).toEqual(ids.prompt);
          expect(tokenizer?.encode(c.negative_prompt)).toEqual(ids.negative);
        }

        // The same ids from the slow layout alone (vocab.json + merges.txt and the configs).
        for (const t of names) {
          const ids = c.token_ids[t] as Case['token_ids'][string];
          const slow = await slowLayoutCopy(join(fixtures, c.model_dir, t));
          try {
            const opened = await openTokenizerFolder({ dir: slow });
            expect(opened.layout).toBe('vocab.json+merges.txt');
            expect(opened.tokenizer.encode(c.prompt)).toEqual(ids.prompt);
            expect(opened.tokenizer.encode(c.negative_prompt)).toEqual(ids.negative);
          } finally {
            await rm(slow, { recursive: true, force: true });
          }
        }

        // Text conditioning: [negative; prompt] and SDXL's pooled embeds.
        const size = { width: c.width, height: c.height };
        const text = await opened.pipeline.encodePrompt(c.prompt, c.negative_prompt, true, size);
        const tc = c.text_conditioning as Record<string, TensorFile>;
        const close = async (got: Float32Array, file: TensorFile | undefined) =>
          expect(maxAbsDiff(got, await floats((file as TensorFile).file))).toBeLessThan(1e-4);
        await close(row(text.context, 0), tc.negative_prompt_embeds);
        await close(row(text.context, 1), tc.prompt_embeds);
        if (tc.pooled_prompt_embeds) {
          await close(row(text.extra.text_embeds, 0), tc.negative_pooled_prompt_embeds);
          await close(row(text.extra.text_embeds, 1), tc.pooled_prompt_embeds);
          expect(Array.from(row(text.extra.time_ids, 0))).toEqual([
            c.height,
            c.width,
            0,
            0,
            c.height,
            c.width,
          ]);
        }

        const task = taskOf(c);
        let result: DiffusionResult;
        if (c.pipeline === 'StableDiffusionImg2ImgPipeline') {
          result = await opened.pipeline.imageToImage({
            ...task,
            init_image: await input(c.input_image),
            image_strength: c.strength as number,
          });
        } else if (c.pipeline === 'StableDiffusionInpaintPipeline') {
          result = await opened.pipeline.inpaint({
            ...task,
            init_image: await input(c.input_image),
            mask_image: await input(c.input_mask_image),
          });
        } else if (c.pipeline === 'StableDiffusionControlNetPipeline') {
          result = await opened.pipeline.controlNet({
            ...task,
            control_image: await input(c.control_image),
            conditioning_scale: c.controlnet_conditioning_scale as number,
          });
        } else {
          result = await opened.pipeline.textToImage(task);
        }
        const expected = await decodeImage(await input(c.output_image), { maxPixels: 1 << 20 });
        expect([result.image.width, result.image.height]).toEqual([
          expected.width,
          expected.height,
        ]);
        expect(maxAbsDiff(result.image.data, expected.data)).toBeLessThanOrEqual(2);
      } finally {
        await opened.release();
      }
    }, 60_000);
  }

  it('a ControlNet model asked for a plain text-to-image feeds zero residuals at each block size', async () => {
    // sd15-controlnet's UNet has sd15's weights (exported with the residual inputs): without a
    // control image its zero residuals, halved per block as unet/config.json lays them out, leave
    // the image diffusers made from the plain sd15 export.
    const c = reference.cases['sd15-txt2img'] as Case;
    const noise = await floats((c.initial_latents as TensorFile).file);
    const opened = await openDiffusionPipeline({
      dir: join(fixtures, 'sd', 'sd15-controlnet'),
      runtime,
      pipeline: { initialNoise: () => noise.slice() },
    });
    try {
      expect(opened.settings.unetResiduals).toEqual({
        down: [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3],
        mid: 3,
      });
      const result = await opened.pipeline.textToImage(taskOf(c));
      const expected = await decodeImage(await input(c.output_image), { maxPixels: 1 << 20 });
      expect(maxAbsDiff(result.image.data, expected.data)).toBeLessThanOrEqual(2);
    } finally {
      await opened.release();
    }
  }, 60_000);
});
