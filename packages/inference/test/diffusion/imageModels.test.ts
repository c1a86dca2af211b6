import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromptTokenizer } from '../../src/diffusion/promptTokenizer';
import { TiledUpscaler } from '../../src/diffusion/tiledUpscaler';
import { ClipEmbedder, cosineSimilarity } from '../../src/image/clipEmbedder';
import { imageFeatures } from '../../src/image/imageFeatures';
import { imageHashes } from '../../src/image/imageHashes';
import { NsfwClassifier } from '../../src/image/nsfwClassifier';
import { pixelTensor } from '../../src/image/pixelTensor';
import type { RgbImage } from '../../src/image/rgbImage';
import * as ort from '../../src/runtime/ort';
import { buildTinyTokenizer } from '../../src/testing/tinyTokenizer';
import {
  buildTinyClipText,
  buildTinyClipVision,
  buildTinyNsfwClassifier,
  buildTinyUpscaler,
} from '../../src/testModels/diffusion/tinyImageModels';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const options: ort.InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
};

function picture(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set(
        [(x * seed) & 255, (y * 3 + seed * 20) & 255, ((x ^ y) * seed) & 255],
        (y * width + x) * 3,
      );
    }
  }
  return { width, height, data };
}

describe('upscaling, tiled', () => {
  let session: ort.InferenceSession;
  beforeAll(async () => {
    session = await ort.InferenceSession.create(buildTinyUpscaler(), options);
  });
  afterAll(async () => {
    await session.release();
  });

  it('tiles with enough overlap give exactly the one-pass result, at 2x', async () => {
    const image = picture(50, 37, 5);
    const whole = await new TiledUpscaler(session, { tile: 64, overlap: 0 }).upscale(image);
    const tiled = await new TiledUpscaler(session, { tile: 16, overlap: 4 }).upscale(image);
    expect(whole.tiles).toBe(1);
    expect(tiled.tiles).toBe(4 * 3);
    expect([tiled.scale, tiled.image.width, tiled.image.height]).toEqual([2, 100, 74]);
    expect(sha(tiled.png)).toBe(sha(whole.png));
    // Without overlap the tile seams show: the model sees zero padding at each tile edge.
    const seams = await new TiledUpscaler(session, { tile: 16, overlap: 0 }).upscale(image);
    expect(sha(seams.png)).not.toBe(sha(whole.png));
  });

  it('refuses an input over the upscale pixel limit with a 413', async () => {
    const big = await sharp({
      create: { width: 1400, height: 1400, channels: 3, background: '#fff' },
    })
      .png()
      .toBuffer();
    await expect(new TiledUpscaler(session).upscaleBytes(big)).rejects.toMatchObject({
      problem: 'too_large',
      status: 413,
    });
  });
});

describe('CLIP embeddings and the NSFW flag', () => {
  let vision: ort.InferenceSession;
  let text: ort.InferenceSession;
  let nsfw: ort.InferenceSession;
  beforeAll(async () => {
    [vision, text, nsfw] = await Promise.all([
      ort.InferenceSession.create(buildTinyClipVision(), options),
      ort.InferenceSession.create(buildTinyClipText(), options),
      ort.InferenceSession.create(buildTinyNsfwClassifier(), options),
    ]);
  });
  afterAll(async () => {
    await Promise.all([vision.release(), text.release(), nsfw.release()]);
  });

  it('gives unit-length, reproducible image and text embeddings', async () => {
    const tokenizer = new PromptTokenizer(buildTinyTokenizer(384).tokenizerJson, {
      maxLength: 16,
      bosToken: '<|im_start|>',
      eosToken: '<|im_end|>',
      padToken: '<|im_end|>',
    });
    const clip = new ClipEmbedder(vision, { session: text, tokenizer });
    expect(clip.imageSize).toBe(32);
    const [a, b, a2] = await clip.embedImages([
      picture(64, 48, 3),
      picture(64, 48, 11),
      picture(64, 48, 3),
    ]);
    const [t1, t2] = await clip.embedTexts(['a red fox', 'a blue whale']);
    for (const v of [a, b, t1, t2]) {
      expect(v).toHaveLength(16);
      expect(Math.hypot(...(v as Float32Array))).toBeCloseTo(1, 6);
    }
    expect(Array.from(a as Float32Array)).toEqual(Array.from(a2 as Float32Array));
    expect(cosineSimilarity(a as Float32Array, a2 as Float32Array)).toBeCloseTo(1, 6);
    expect(cosineSimilarity(a as Float32Array, b as Float32Array)).toBeLessThan(0.999);
    expect(cosineSimilarity(t1 as Float32Array, t2 as Float32Array)).toBeLessThan(0.999);
  });

  it('collects the reported features: hashes, CLIP embedding, NSFW flag', async () => {
    const image = picture(40, 40, 9);
    const clip = new ClipEmbedder(vision);
    const classifier = new NsfwClassifier(nsfw);
    const features = await imageFeatures(image, { clip, nsfw: classifier });
    expect(features.image_hashes).toEqual(imageHashes(image));
    expect(features.clip_embedding).toEqual(
      Array.from((await clip.embedImages([image]))[0] as Float32Array),
    );
    expect(features.is_nsfw).toBe((await classifier.classify(image)).nsfw);
    expect(Object.keys(await imageFeatures(image))).toEqual(['image_hashes']);
  });

  it('flags NSFW exactly when the class probability reaches the threshold', async () => {
    const image = picture(40, 40, 7);
    const { probability } = await new NsfwClassifier(nsfw).classify(image);
    expect(probability).toBeGreaterThan(0);
    expect(probability).toBeLessThan(1);
    expect((await new NsfwClassifier(nsfw, { threshold: probability }).classify(image)).nsfw).toBe(
      true,
    );
    expect(
      (await new NsfwClassifier(nsfw, { threshold: probability + 1e-6 }).classify(image)).nsfw,
    ).toBe(false);
    const safeIsComplement = await new NsfwClassifier(nsfw, { nsfwClass: 0 }).classify(image);
    expect(safeIsComplement.probability).toBeCloseTo(1 - probability, 12);
    // The probability is the softmax of the model's logits, computed here by hand.
    const out = await nsfw.run({
      pixel_values: new ort.Tensor('float32', await pixelTensor(image, 32), [1, 3, 32, 32]),
    });
    const logits = out.logits?.data as Float32Array;
    const [l0, l1] = [logits[0] as number, logits[1] as number];
    expect(probability).toBeCloseTo(1 / (1 + Math.exp(l0 - l1)), 12);
  });
});
