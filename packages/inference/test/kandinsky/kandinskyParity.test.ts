import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DiffusionResult } from '../../src/diffusion/diffusionTypes';
import { decodeImage } from '../../src/image/decodeImage';
import { openKandinskyPipeline } from '../../src/kandinsky/openKandinskyPipeline';
import { promptTokens } from '../../src/kandinsky/priorModel';
import { runtimeConfigFromEnv } from '../../src/runtime/runtimeConfig';

/**
 * Parity with diffusers 0.39's KandinskyV22PriorPipeline + KandinskyV22Pipeline /
 * KandinskyV22Img2ImgPipeline on the tiny random-weight export in test/fixtures/hf/kandinsky
 * (see its README): each case runs from diffusers' own normal draws (both stages' initial noise
 * and every ancestral step's noise), and must give diffusers' token ids, image embeddings
 * (within 1e-4), timesteps, and image (within 2 grey levels).
 */
const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', 'fixtures', 'hf');
const referenceFile = join(fixtures, 'kandinsky', 'reference.json');

interface TensorFile {
  file: string;
  shape: number[];
}
interface Case {
  pipeline: 'KandinskyV22Pipeline' | 'KandinskyV22Img2ImgPipeline';
  prompt: string;
  negative_prompt: string;
  guidance_scale: number;
  prior_guidance_scale: number;
  prior_num_inference_steps: number;
  num_inference_steps: number;
  height: number;
  width: number;
  strength?: number;
  input_image?: string;
  token_ids: {
    prompt: number[];
    prompt_attention_mask: number[];
    negative: number[];
    negative_attention_mask: number[];
  };
  prior_timesteps: number[];
  decoder_timesteps: number[];
  prior_latents: TensorFile;
  prior_noise: TensorFile[];
  image_embeds: TensorFile;
  negative_image_embeds: TensorFile;
  decoder_latents: TensorFile;
  decoder_noise: TensorFile[];
  output_image: string;
}

async function floats(file: TensorFile): Promise<Float32Array> {
  const bytes = await readFile(join(fixtures, file.file));
  const out = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
  );
  expect(out.length).toBe(file.shape.reduce((a, b) => a * b, 1));
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++)
    max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

const runtime = runtimeConfigFromEnv(process.env, { intraOpNumThreads: 1 });
const modelDir = join(fixtures, 'kandinsky', 'model');

describe('Kandinsky 2.2 runs as diffusers runs it (test/fixtures/hf/kandinsky)', async () => {
  const reference = JSON.parse(await readFile(referenceFile, 'utf8')) as {
    cases: Record<string, Case>;
  };

  it('has the three committed cases', () => {
    expect(Object.keys(reference.cases).sort()).toEqual([
      'kandinsky-img2img',
      'kandinsky-txt2img',
      'kandinsky-txt2img-empty-negative',
    ]);
  });

  for (const [name, c] of Object.entries(reference.cases)) {
    it(`${name}: token ids, image embeddings, timesteps and the image equal diffusers'`, async () => {
      const priorNoise = await Promise.all(c.prior_noise.map(floats));
      const decoderNoise = await Promise.all(c.decoder_noise.map(floats));
      const priorLatents = await floats(c.prior_latents);
      const decoderLatents = await floats(c.decoder_latents);
      const opened = await openKandinskyPipeline({
        dir: modelDir,
        runtime,
        pipeline: {
          priorSteps: c.prior_num_inference_steps,
          priorGuidanceScale: c.prior_guidance_scale,
          initialNoise: ({ stage }) => (stage === 'prior' ? priorLatents : decoderLatents).slice(),
          stepNoise: ({ stage, step }) => {
            const noise = (stage === 'prior' ? priorNoise : decoderNoise)[step];
            if (!noise) throw new Error(`no recorded ${stage} noise for step ${step}`);
            return noise.slice();
          },
        },
      });
      try {
        const tokenizer = opened.tokenizers[0];
        if (!tokenizer) throw new Error('no tokenizer');
        const prompt = promptTokens(tokenizer, c.prompt);
        const negative = promptTokens(tokenizer, c.negative_prompt);
        expect(prompt.ids).toEqual(c.token_ids.prompt);
        expect(prompt.mask).toEqual(c.token_ids.prompt_attention_mask);
        expect(negative.ids).toEqual(c.token_ids.negative);
        expect(negative.mask).toEqual(c.token_ids.negative_attention_mask);

        const task = {
          prompt: c.prompt,
          negative_prompt: c.negative_prompt,
          steps: c.num_inference_steps,
          cfg_scale: c.guidance_scale,
          width: c.width,
          height: c.height,
          seed: 0,
        };
        const embeds = await opened.pipeline.imageEmbeddings(task);
        expect(Array.from(embeds.timesteps)).toEqual(c.prior_timesteps);
        expect(maxAbsDiff(embeds.imageEmbeds, await floats(c.image_embeds))).toBeLessThan(1e-4);
        expect(
          maxAbsDiff(embeds.negativeImageEmbeds, await floats(c.negative_image_embeds)),
        ).toBeLessThan(1e-4);

        const timesteps: number[] = [];
        const control = { onStep: (s: { timestep: number }) => timesteps.push(s.timestep) };
        let result: DiffusionResult;
        if (c.pipeline === 'KandinskyV22Img2ImgPipeline') {
          const image = new Uint8Array(await readFile(join(fixtures, c.input_image as string)));
          result = await opened.pipeline.imageToImage(
            { ...task, init_image: image, image_strength: c.strength as number },
            control,
          );
        } else {
          result = await opened.pipeline.textToImage(task, control);
        }
        expect(timesteps).toEqual([...c.prior_timesteps, ...c.decoder_timesteps]);
        expect(result.stepsRun).toBe(c.prior_timesteps.length + c.decoder_timesteps.length);
        const expected = await decodeImage(await readFile(join(fixtures, c.output_image)), {
          maxPixels: 1 << 20,
        });
        expect([result.image.width, result.image.height]).toEqual([c.width, c.height]);
        expect([expected.width, expected.height]).toEqual([c.width, c.height]);
        expect(maxAbsDiff(result.image.data, expected.data)).toBeLessThanOrEqual(2);
      } finally {
        await opened.release();
      }
    }, 60_000);
  }
});
