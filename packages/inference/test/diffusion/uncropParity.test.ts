import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openDiffusionPipeline } from '../../src/diffusion/openDiffusionPipeline';
import { extendCanvas, uncropCanvas } from '../../src/diffusion/uncrop';
import { decodeImage } from '../../src/image/decodeImage';
import { runtimeConfigFromEnv } from '../../src/runtime/runtimeConfig';

/**
 * Uncrop against diffusers 0.39 (test/fixtures/hf/sd/uncrop-reference.json, made by
 * scripts/models/uncrop_fixture.py): the tiny inpainting export extends a 48×40 image by 8 left,
 * 8 right, 16 top and 8 bottom to 64×64, from diffusers' initial latents. diffusers ran its
 * inpainting pipeline on the canvas and mask our uncrop builds (committed as PNGs): the canvas
 * must equal that PNG exactly, the new area must be within 2 grey levels of diffusers' output,
 * and the original 48×40 pixels must come back bit for bit.
 */
const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', 'fixtures', 'hf');

interface UncropCase {
  model_dir: string;
  prompt: string;
  negative_prompt: string;
  guidance_scale: number;
  num_inference_steps: number;
  input_image: string;
  input_mask_image: string;
  initial_latents: { file: string; shape: number[] };
  output_image: string;
  uncrop: {
    image: string;
    extend_left: number;
    extend_right: number;
    extend_top: number;
    extend_bottom: number;
  };
}

const runtime = runtimeConfigFromEnv(process.env, { intraOpNumThreads: 1 });
const bytes = async (path: string) => new Uint8Array(await readFile(join(fixtures, path)));
const pixels = async (path: string) => decodeImage(await bytes(path), { maxPixels: 1 << 20 });

describe('uncrop runs as diffusers inpaints the same canvas (test/fixtures/hf/sd)', async () => {
  const reference = JSON.parse(
    await readFile(join(fixtures, 'sd', 'uncrop-reference.json'), 'utf8'),
  ) as { cases: Record<string, UncropCase> };
  const c = reference.cases['sd-uncrop'] as UncropCase;
  const { extend_left, extend_right, extend_top, extend_bottom } = c.uncrop;

  it('builds the canvas and the mask diffusers was given', async () => {
    const image = await pixels(c.uncrop.image);
    const canvas = uncropCanvas({ ...image, hasAlpha: false }, c.uncrop);
    expect(canvas).toEqual({ width: 64, height: 64, left: 8, top: 16 });
    expect(Buffer.from(extendCanvas(image, canvas).data)).toEqual(
      Buffer.from((await pixels(c.input_image)).data),
    );
  });

  it('paints the new area within 2 grey levels of diffusers and keeps the original exactly', async () => {
    const latents = await bytes(c.initial_latents.file);
    const noise = new Float32Array(latents.buffer, latents.byteOffset, latents.byteLength / 4);
    const opened = await openDiffusionPipeline({
      dir: join(fixtures, c.model_dir),
      runtime,
      pipeline: { initialNoise: () => noise.slice() },
    });
    try {
      const result = await opened.pipeline.uncrop({
        prompt: c.prompt,
        negative_prompt: c.negative_prompt,
        steps: c.num_inference_steps,
        cfg_scale: c.guidance_scale,
        seed: 0,
        image: await bytes(c.uncrop.image),
        extend_left,
        extend_right,
        extend_top,
        extend_bottom,
      });
      const original = await pixels(c.uncrop.image);
      const expected = await pixels(c.output_image);
      expect([result.image.width, result.image.height]).toEqual([64, 64]);
      expect(result.stepsRun).toBe(c.num_inference_steps);
      const mask = await pixels(c.input_mask_image);
      let maxNew = 0;
      let newPixels = 0;
      let originalMismatches = 0;
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) {
          const i = (y * 64 + x) * 3;
          const isNew = (mask.data[i] as number) > 127;
          if (isNew) newPixels++;
          for (let ch = 0; ch < 3; ch++) {
            const got = result.image.data[i + ch] as number;
            if (isNew) {
              maxNew = Math.max(maxNew, Math.abs(got - (expected.data[i + ch] as number)));
            } else {
              const o = ((y - extend_top) * original.width + (x - extend_left)) * 3 + ch;
              if (got !== original.data[o]) originalMismatches++;
            }
          }
        }
      }
      expect(newPixels).toBe(64 * 64 - 48 * 40);
      expect(originalMismatches).toBe(0);
      expect(maxNew).toBeLessThanOrEqual(2);
      // The decoded PNG is the image: what a validator hashes is what was compared here.
      expect(Buffer.from((await decodeImage(result.png, { maxPixels: 1 << 20 })).data)).toEqual(
        Buffer.from(result.image.data),
      );
    } finally {
      await opened.release();
    }
  });
});
