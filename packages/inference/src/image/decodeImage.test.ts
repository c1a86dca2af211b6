import { INPUT_IMAGE_MAX_PIXELS } from '@subnet/protocol/tasks';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { InferenceErrorCode } from '../errors';
import {
  decodeImage,
  ImageInputError,
  imageBytesFromBase64,
  imageBytesToBase64,
} from './decodeImage';
import { encodeImage, resizeImage } from './encodeImage';

function gradient(width: number, height: number) {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set([i % 251, (i * 7) % 256, 200], i * 3);
  return { width, height, data };
}

describe('decodeImage', () => {
  it('round-trips PNG pixels exactly and WebP/JPEG to the same size', async () => {
    const image = gradient(37, 23);
    const png = await encodeImage(image, { format: 'png' });
    expect(Array.from(png.subarray(1, 4), (c) => String.fromCharCode(c)).join('')).toBe('PNG');
    const back = await decodeImage(png, { maxPixels: INPUT_IMAGE_MAX_PIXELS });
    expect(back.width).toBe(37);
    expect(back.height).toBe(23);
    expect(Buffer.from(back.data).equals(Buffer.from(image.data))).toBe(true);
    for (const format of ['jpeg', 'webp'] as const) {
      const bytes = await encodeImage(image, { format, quality: 80 });
      const lossy = await decodeImage(bytes, { maxPixels: INPUT_IMAGE_MAX_PIXELS });
      expect([lossy.width, lossy.height, lossy.data.length]).toEqual([37, 23, 37 * 23 * 3]);
    }
  });

  it('brings 16-bit, grayscale and RGBA PNGs to 8-bit RGB (alpha dropped)', async () => {
    const raw = Buffer.alloc(4 * 4 * 3, 200);
    const source = () => sharp(raw, { raw: { width: 4, height: 4, channels: 3 } });
    const inputs = [
      await source().toColourspace('rgb16').png().toBuffer(),
      await source().greyscale().png().toBuffer(),
      await source().ensureAlpha(0.5).png().toBuffer(),
    ];
    for (const bytes of inputs) {
      const image = await decodeImage(bytes, { maxPixels: 16 });
      expect([image.width, image.height, image.data.length]).toEqual([4, 4, 48]);
      expect(new Set(image.data)).toEqual(new Set([200]));
    }
  });

  it('gives the same PNG bytes for the same pixels', async () => {
    const a = await encodeImage(gradient(64, 64), { format: 'png' });
    const b = await encodeImage(gradient(64, 64), { format: 'png' });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('refuses a decompression bomb from its header: a tiny file of 2049 x 2049 pixels', async () => {
    const bomb = await sharp({
      create: { width: 2049, height: 2049, channels: 3, background: '#000' },
    })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(50_000);
    const err = await decodeImage(bomb, { maxPixels: INPUT_IMAGE_MAX_PIXELS }).catch((e) => e);
    expect(err).toBeInstanceOf(ImageInputError);
    expect(err).toMatchObject({
      code: InferenceErrorCode.BadRequest,
      problem: 'too_large',
      status: 413,
    });
    expect(err.message).toContain('2049x2049 = 4198401 pixels; at most 4194304');
  });

  it('refuses truncated, corrupt and unsupported data with a 400', async () => {
    const png = await encodeImage(gradient(64, 64), { format: 'png' });
    const truncated = png.subarray(0, png.length - 40);
    const garbage = new Uint8Array(200).fill(7);
    const gif = await sharp(Buffer.from(gradient(8, 8).data), {
      raw: { width: 8, height: 8, channels: 3 },
    })
      .gif()
      .toBuffer();
    for (const bytes of [truncated, garbage, gif]) {
      const err = await decodeImage(bytes, { maxPixels: INPUT_IMAGE_MAX_PIXELS }).catch((e) => e);
      expect(err).toMatchObject({
        code: InferenceErrorCode.BadRequest,
        problem: 'corrupt',
        status: 400,
      });
    }
  });

  it('reads base64 from the wire and refuses text that is not base64', () => {
    const bytes = Uint8Array.from([1, 2, 3, 250, 251]);
    expect(Array.from(imageBytesFromBase64(imageBytesToBase64(bytes)))).toEqual([
      1, 2, 3, 250, 251,
    ]);
    expect(() => imageBytesFromBase64('not base64!')).toThrow(ImageInputError);
  });

  it('resizes to the model size by centre crop', async () => {
    const out = await resizeImage(gradient(100, 50), { width: 32, height: 32 });
    expect([out.width, out.height, out.data.length]).toEqual([32, 32, 32 * 32 * 3]);
  });
});
