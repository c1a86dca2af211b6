import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffusionPipeline } from '../../src/diffusion/diffusionPipeline';
import { decodeLatents, encodePixels } from '../../src/diffusion/vaeCodec';
import { InferenceErrorCode } from '../../src/errors';
import { decodeImage } from '../../src/image/decodeImage';
import { encodeImage } from '../../src/image/encodeImage';
import type { RgbImage } from '../../src/image/rgbImage';
import { AdapterStore } from '../../src/lora/adapterStore';
import * as ort from '../../src/runtime/ort';
import { writeTestAdapter } from '../../src/testing/loraFixtures';
import { openTinyDiffusion } from '../../src/testModels/diffusion/tinyDiffusion';
import { buildTinyVaeEncoder } from '../../src/testModels/diffusion/tinyVae';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const SIZE = 64;
const base = {
  prompt: 'a lighthouse at dusk',
  negative_prompt: 'fog',
  steps: 10,
  cfg_scale: 2.5,
  width: SIZE,
  height: SIZE,
  seed: 99,
};

function picture(
  width: number,
  height: number,
  paint: (x: number, y: number) => number[],
): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set(paint(x, y), (y * width + x) * 3);
  return { width, height, data };
}

describe('image tasks on the tiny SD-shaped models', () => {
  let models: Awaited<ReturnType<typeof openTinyDiffusion>>;
  let pipeline: DiffusionPipeline;
  let initPng: Uint8Array;
  let init: RgbImage;
  beforeAll(async () => {
    models = await openTinyDiffusion();
    pipeline = new DiffusionPipeline(models);
    init = picture(SIZE, SIZE, (x, y) => [x * 4, y * 4, (x * y) & 255]);
    initPng = await encodeImage(init, { format: 'png' });
  });
  afterAll(async () => {
    await models.release();
  });

  /** The VAE round trip of the init image, computed directly from the two VAE sessions. */
  async function roundTrip(): Promise<RgbImage> {
    const { latents, dims } = await encodePixels(
      models.vaeEncoder as NonNullable<typeof models.vaeEncoder>,
      init,
      0.18215,
    );
    return decodeLatents(models.vaeDecoder, latents, dims, 0.18215);
  }

  describe('image-to-image', () => {
    it('strength 0 runs no step: the output is the VAE decode of the encoded input', async () => {
      const steps: number[] = [];
      const out = await pipeline.imageToImage(
        { ...base, init_image: initPng, image_strength: 0 },
        { onStep: (p) => steps.push(p.step) },
      );
      expect(out.stepsRun).toBe(0);
      expect(steps).toEqual([]);
      const expected = await roundTrip();
      expect(Buffer.from(out.image.data).equals(Buffer.from(expected.data))).toBe(true);
    });

    it('a VAE encoder exporting latent_parameters encodes to the mean: the same image', async () => {
      const session = await ort.InferenceSession.create(buildTinyVaeEncoder(32, 'parameters'), {
        executionProviders: ['cpu'],
        intraOpNumThreads: 1,
      });
      try {
        const withParams = new DiffusionPipeline({ ...models, vaeEncoder: session });
        const task = { ...base, init_image: initPng, image_strength: 0.3 };
        const a = await withParams.imageToImage(task);
        const b = await pipeline.imageToImage(task);
        expect(sha(a.png)).toBe(sha(b.png));
        const encoded = await encodePixels(session, init, 0.18215);
        expect(encoded.dims).toEqual([1, 4, 8, 8]);
      } finally {
        await session.release();
      }
    });

    it('strength 1 equals text-to-image with the same seed, byte for byte', async () => {
      const i2i = await pipeline.imageToImage({ ...base, init_image: initPng, image_strength: 1 });
      const t2i = await pipeline.textToImage(base);
      expect(i2i.stepsRun).toBe(10);
      expect(sha(i2i.png)).toBe(sha(t2i.png));
    });

    it('strength 0.5 runs the last 5 of 10 steps and keeps the picture closer than text-to-image', async () => {
      const seen: number[] = [];
      const half = await pipeline.imageToImage(
        { ...base, init_image: initPng, image_strength: 0.5 },
        { onStep: (p) => seen.push(p.timestep) },
      );
      expect(seen).toEqual([401, 301, 201, 101, 1]);
      const again = await pipeline.imageToImage({
        ...base,
        init_image: initPng,
        image_strength: 0.5,
      });
      expect(sha(again.png)).toBe(sha(half.png));
      const rt = await roundTrip();
      const t2i = await pipeline.textToImage(base);
      const dist = (a: RgbImage) =>
        a.data.reduce((s, v, i) => s + Math.abs(v - (rt.data[i] as number)), 0);
      expect(dist(half.image)).toBeLessThan(dist(t2i.image));
    });

    it('refuses an oversized init image (413) and a corrupt one (400)', async () => {
      const big = await sharp({
        create: { width: 2100, height: 2100, channels: 3, background: '#123456' },
      })
        .png()
        .toBuffer();
      await expect(
        pipeline.imageToImage({ ...base, init_image: big, image_strength: 0.5 }),
      ).rejects.toMatchObject({
        code: InferenceErrorCode.BadRequest,
        problem: 'too_large',
        status: 413,
      });
      await expect(
        pipeline.imageToImage({
          ...base,
          init_image: initPng.subarray(0, 100),
          image_strength: 0.5,
        }),
      ).rejects.toMatchObject({
        code: InferenceErrorCode.BadRequest,
        problem: 'corrupt',
        status: 400,
      });
      // Also at strength 1, where the image would not be used.
      await expect(
        pipeline.imageToImage({ ...base, init_image: new Uint8Array(64), image_strength: 1 }),
      ).rejects.toMatchObject({ problem: 'corrupt', status: 400 });
      await expect(
        pipeline.inpaint({ ...base, init_image: initPng, mask_image: big }),
      ).rejects.toMatchObject({ problem: 'too_large', status: 413 });
      await expect(
        pipeline.controlNet({ ...base, control_image: new Uint8Array(10) }),
      ).rejects.toMatchObject({ problem: 'corrupt', status: 400 });
    });
  });

  describe('inpainting', () => {
    const maskPng = (paint: (x: number) => number) =>
      encodeImage(
        picture(SIZE, SIZE, (x) => Array(3).fill(paint(x))),
        { format: 'png' },
      );

    it('an all-black mask keeps the image (the VAE round trip); all white equals text-to-image', async () => {
      const keep = await pipeline.inpaint({
        ...base,
        init_image: initPng,
        mask_image: await maskPng(() => 0),
      });
      expect(Buffer.from(keep.image.data).equals(Buffer.from((await roundTrip()).data))).toBe(true);
      const all = await pipeline.inpaint({
        ...base,
        init_image: initPng,
        mask_image: await maskPng(() => 255),
      });
      expect(sha(all.png)).toBe(sha((await pipeline.textToImage(base)).png));
    });

    it('repaints only the white half: pixels far from the edge of the mask keep the round trip', async () => {
      const out = await pipeline.inpaint({
        ...base,
        init_image: initPng,
        mask_image: await maskPng((x) => (x >= 32 ? 255 : 0)),
      });
      const rt = await roundTrip();
      let keptSame = 0;
      let repaintedSame = 0;
      for (let y = 0; y < SIZE; y++) {
        for (let x = 0; x < SIZE; x++) {
          const i = (y * SIZE + x) * 3;
          const same = out.image.data[i] === rt.data[i];
          // The decoder's 3×3 convolution reaches one latent cell (8 px) across the mask edge.
          if (x < 24 && same) keptSame++;
          if (x >= 40 && same) repaintedSame++;
        }
      }
      expect(keptSame).toBe(24 * SIZE);
      expect(repaintedSame).toBeLessThan(24 * SIZE * 0.2);
    });
  });

  describe('inpainting with an inpainting UNet (9 input channels)', () => {
    it('the UNet sees the mask and the unmasked pixels; reproducible', async () => {
      const inpaintModels = await openTinyDiffusion({ unet: { inChannels: 9 } });
      try {
        const p9 = new DiffusionPipeline(inpaintModels);
        expect([p9.unet.inputChannels, p9.unet.latentChannels]).toEqual([9, 4]);
        const half = await encodeImage(
          picture(SIZE, SIZE, (x) => Array(3).fill(x >= 32 ? 255 : 0)),
          { format: 'png' },
        );
        const third = await encodeImage(
          picture(SIZE, SIZE, (x) => Array(3).fill(x >= 20 ? 255 : 0)),
          { format: 'png' },
        );
        // Differs from the init image only inside the half mask (x >= 32).
        const otherInside = await encodeImage(
          picture(SIZE, SIZE, (x, y) => (x >= 32 ? [255, 0, 0] : [x * 4, y * 4, (x * y) & 255])),
          { format: 'png' },
        );
        const a = await p9.inpaint({ ...base, init_image: initPng, mask_image: half });
        const a2 = await p9.inpaint({ ...base, init_image: initPng, mask_image: half });
        const b = await p9.inpaint({ ...base, init_image: initPng, mask_image: third });
        const c = await p9.inpaint({ ...base, init_image: otherInside, mask_image: half });
        expect(sha(a.png)).toBe(sha(a2.png));
        expect(sha(b.png)).not.toBe(sha(a.png));
        // Pixels under the mask are blanked before encoding, so changing them changes nothing.
        expect(sha(c.png)).toBe(sha(a.png));
      } finally {
        await inpaintModels.release();
      }
    });
  });

  describe('ControlNet', () => {
    it('scale 0 equals text-to-image; the control image steers the result reproducibly', async () => {
      const scribble = await encodeImage(
        picture(SIZE, SIZE, (x, y) =>
          Math.abs(x - y) < 3 || Math.abs(x + y - 63) < 3 ? [255, 255, 255] : [0, 0, 0],
        ),
        { format: 'png' },
      );
      const other = await encodeImage(
        picture(SIZE, SIZE, (x) => (x % 16 < 3 ? [255, 255, 255] : [0, 0, 0])),
        { format: 'png' },
      );
      const t2i = await pipeline.textToImage(base);
      const zero = await pipeline.controlNet({
        ...base,
        control_image: scribble,
        conditioning_scale: 0,
      });
      expect(sha(zero.png)).toBe(sha(t2i.png));
      const a = await pipeline.controlNet({
        ...base,
        control_image: scribble,
        conditioning_scale: 1,
      });
      const a2 = await pipeline.controlNet({
        ...base,
        control_image: scribble,
        conditioning_scale: 1,
      });
      const b = await pipeline.controlNet({ ...base, control_image: other, conditioning_scale: 1 });
      expect(sha(a.png)).toBe(sha(a2.png));
      expect(sha(a.png)).not.toBe(sha(t2i.png));
      expect(sha(a.png)).not.toBe(sha(b.png));
    });
  });

  describe('LoRA on the UNet and text encoder through the package’s adapter store', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'unet-lora-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('B = 0 changes nothing, a real adapter changes the image, an unknown one is refused', async () => {
      const inputs = pipeline.loraInputs;
      expect(inputs.map((i) => i.target)).toEqual([
        'unet.attn.to_q',
        'unet.attn.to_k',
        'unet.attn.to_v',
        'unet.attn.to_out',
        'text_encoder.attn.q',
        'text_encoder.attn.v',
      ]);
      const unetTargets = inputs.map((i) => i.target).filter((t) => t.startsWith('unet.'));
      const write = (name: string, seed: number, targets: string[], zeroB = false) =>
        writeTestAdapter({ dir, name, inputs, targets, rank: 4, alpha: 4, seed, zeroB });
      const paths: Record<string, string> = {
        zero: (await write('zero', 1, unetTargets, true)).path,
        style: (await write('style', 2, unetTargets)).path,
        text: (await write('text', 3, ['text_encoder.attn.q', 'text_encoder.attn.v'])).path,
      };
      const store = new AdapterStore({
        inputs,
        budgetBytes: 1 << 20,
        resolve: async (id) => (paths[id] ? { path: paths[id] } : undefined),
      });
      const withAdapters = new DiffusionPipeline(models, { adapters: store });
      const plain = await withAdapters.textToImage(base);
      const zeroOut = await withAdapters.textToImage({ ...base, lora: 'zero' });
      const styled = await withAdapters.textToImage({ ...base, lora: 'style' });
      const styledAgain = await withAdapters.textToImage({ ...base, lora: 'style' });
      const textOnly = await withAdapters.textToImage({ ...base, lora: 'text' });
      expect(sha(zeroOut.png)).toBe(sha(plain.png));
      expect(sha(styled.png)).not.toBe(sha(plain.png));
      expect(sha(styledAgain.png)).toBe(sha(styled.png));
      expect(sha(textOnly.png)).not.toBe(sha(plain.png));
      expect(sha(textOnly.png)).not.toBe(sha(styled.png));
      // The text-encoder adapter acts through the text states alone.
      const textAdapter = await store.feeds('text');
      const plainStates = await withAdapters.encodePrompt(base.prompt, base.negative_prompt, true);
      const adaptedStates = await withAdapters.encodePrompt(
        base.prompt,
        base.negative_prompt,
        true,
        base,
        textAdapter,
      );
      expect(Array.from(adaptedStates.context.data as Float32Array)).not.toEqual(
        Array.from(plainStates.context.data as Float32Array),
      );
      expect(store.stats().loads).toBe(3);
      await expect(withAdapters.textToImage({ ...base, lora: 'missing' })).rejects.toMatchObject({
        code: InferenceErrorCode.UnknownAdapter,
      });
    });
  });

  it('decodes its own PNG output to the same pixels', async () => {
    const out = await pipeline.textToImage(base);
    const back = await decodeImage(out.png, { maxPixels: SIZE * SIZE });
    expect(Buffer.from(back.data).equals(Buffer.from(out.image.data))).toBe(true);
  });
});
