/**
 * Parity with PyTorch for the single-file image models, on the committed fixtures of
 * test/fixtures/hf (scripts/models/make_fixtures.py): a CLIP model exported by
 * `models export clip` (vision and text towers) and a Swin2SR upscaler exported by
 * `models export upscaler`, each loaded exactly as the exporter wrote it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TiledUpscaler } from '../../src/diffusion/tiledUpscaler';
import { openTokenizerFolder } from '../../src/diffusion/tokenizerFolder';
import { ClipEmbedder } from '../../src/image/clipEmbedder';
import { decodeImage } from '../../src/image/decodeImage';
import * as ort from '../../src/runtime/ort';
import { runtimeConfigFromEnv } from '../../src/runtime/runtimeConfig';

const root = fileURLToPath(new URL('../fixtures/hf', import.meta.url));
const json = async <T>(path: string) => JSON.parse(await readFile(join(root, path), 'utf8')) as T;
// The CPU unless SUBNET_INFERENCE_PROVIDERS says otherwise (scripts/gpu-check.sh: cuda).
const open = (path: string) =>
  ort.InferenceSession.create(join(root, path), {
    executionProviders: [...runtimeConfigFromEnv(process.env).providers],
    intraOpNumThreads: 1,
  });

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++)
    max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
};

describe('the CLIP export', () => {
  let vision: ort.InferenceSession;
  let text: ort.InferenceSession;
  let ref: {
    image: string;
    image_size: number;
    image_embeds_normalized: number[][];
    texts: string[];
    text_input_ids: number[][];
    text_embeds_normalized: number[][];
  };
  beforeAll(async () => {
    ref = await json('clip/reference.json');
    vision = await open('clip/vision_model.onnx');
    text = await open('clip/text_model.onnx');
  });
  afterAll(async () => {
    await vision?.release();
    await text?.release();
  });

  it('embeds texts as get_text_features does, with the ids of its own tokenizer files', async () => {
    const { tokenizer } = await openTokenizerFolder({ dir: join(root, 'clip') });
    expect(ref.texts.map((t) => tokenizer.encode(t))).toEqual(ref.text_input_ids);
    const clip = new ClipEmbedder(vision, { session: text, tokenizer });
    const embeds = await clip.embedTexts(ref.texts);
    expect(embeds).toHaveLength(3);
    for (const [i, e] of embeds.entries())
      expect(maxDiff(e, ref.text_embeds_normalized[i] as number[])).toBeLessThan(1e-5);
  });

  it('embeds the image as CLIPModel.get_image_features does, normalised (within 1e-5)', async () => {
    const clip = new ClipEmbedder(vision);
    expect(clip.imageSize).toBe(ref.image_size);
    const image = await decodeImage(await readFile(join(root, ref.image)), { maxPixels: 1 << 20 });
    const [embedding] = await clip.embedImages([image]);
    expect(
      maxDiff(embedding as Float32Array, ref.image_embeds_normalized[0] as number[]),
    ).toBeLessThan(1e-5);
  });
});

describe('the Swin2SR upscaler export', () => {
  let session: ort.InferenceSession;
  let ref: { input: string; output: string; scale: number; window_size: number };
  beforeAll(async () => {
    ref = await json('upscaler/reference.json');
    session = await open('upscaler/model.onnx');
  });
  afterAll(async () => {
    await session?.release();
  });

  it("upscales a 13x10 image (not a multiple of its window) to PyTorch's pixels within 1 level", async () => {
    const input = await decodeImage(await readFile(join(root, ref.input)), { maxPixels: 1 << 20 });
    const expected = await decodeImage(await readFile(join(root, ref.output)), {
      maxPixels: 1 << 20,
    });
    expect([input.width, input.height, expected.width, expected.height]).toEqual([13, 10, 26, 20]);
    // One tile holding the whole image: the same padding and crop as PyTorch's pass.
    const result = await new TiledUpscaler(session, { tile: 64, overlap: 0 }).upscale(input);
    expect([result.scale, result.tiles, result.image.width, result.image.height]).toEqual([
      2, 1, 26, 20,
    ]);
    expect(maxDiff(result.image.data, expected.data)).toBeLessThanOrEqual(1);
  });

  it('runs in tiles of any size: 4x4 tiles with 4 pixels of context stay close to the one pass', async () => {
    const input = await decodeImage(await readFile(join(root, ref.input)), { maxPixels: 1 << 20 });
    const whole = await new TiledUpscaler(session, { tile: 64, overlap: 0 }).upscale(input);
    const tiled = await new TiledUpscaler(session, { tile: 4, overlap: 4 }).upscale(input);
    expect(tiled.tiles).toBe(4 * 3);
    expect([tiled.image.width, tiled.image.height]).toEqual([26, 20]);
    // Swin attention sees the whole window, so tiles are not bit-equal to the one pass; a tile
    // fed without its context would be far off at its borders.
    let close = 0;
    for (let i = 0; i < whole.image.data.length; i++)
      if (Math.abs((whole.image.data[i] as number) - (tiled.image.data[i] as number)) <= 8) close++;
    expect(close / whole.image.data.length).toBeGreaterThan(0.9);
  });
});
