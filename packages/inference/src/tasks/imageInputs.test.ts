import { INPUT_IMAGE_MAX_PIXELS } from '@subnet/protocol/tasks';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeImage } from '../image/encodeImage';
import type { RgbImage } from '../image/rgbImage';
import { clipImagesOf, upscaleInputOf } from './imageInputs';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function solid(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { width, height, data };
}

describe('upscaleInputOf', () => {
  it("is the image field's bytes, decoded from base64 and not otherwise read", () => {
    expect(upscaleInputOf({ image: 'AQID' })).toStrictEqual(new Uint8Array([1, 2, 3]));
  });

  it('bad base64 is the caller’s error (400)', () => {
    expect(() => upscaleInputOf({ image: 'AQI' })).toThrow(
      expect.objectContaining({ problem: 'bad_base64', status: 400 }),
    );
  });
});

describe('clipImagesOf', () => {
  it('decodes every image, in order, to its pixels', async () => {
    const red = solid(3, 2, [255, 0, 0]);
    const blue = solid(2, 4, [0, 0, 255]);
    const images = await clipImagesOf({
      image_b64s: [
        b64(await encodeImage(red, { format: 'png' })),
        b64(await encodeImage(blue, { format: 'png' })),
      ],
    });
    expect(images).toStrictEqual([red, blue]);
  });

  it("refuses an image over the protocol's input pixel limit (413), from its header", async () => {
    const side = Math.sqrt(INPUT_IMAGE_MAX_PIXELS);
    const big = await sharp({
      create: { width: side + 1, height: side, channels: 3, background: '#204060' },
    })
      .png()
      .toBuffer();
    await expect(clipImagesOf({ image_b64s: [b64(big)] })).rejects.toMatchObject({
      problem: 'too_large',
      status: 413,
    });
  });

  it('the first bad image in order is the one reported', async () => {
    const good = b64(await encodeImage(solid(2, 2, [9, 9, 9]), { format: 'png' }));
    await expect(clipImagesOf({ image_b64s: [good, 'AAAA', 'x'] })).rejects.toMatchObject({
      problem: 'corrupt',
    });
  });
});
