import sharp from 'sharp';
import type { RgbImage } from './rgbImage';

/** CLIP's published per-channel normalisation (OpenAI CLIP preprocessing). */
export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

/**
 * An image as a model input [1, 3, size, size]: scaled to cover size × size with sharp's bicubic
 * kernel, centre-cropped, then (pixel / 255 - mean[c]) / std[c] per channel, planar.
 */
export async function pixelTensor(
  image: RgbImage,
  size: number,
  norm: { mean: readonly number[]; std: readonly number[] } = { mean: CLIP_MEAN, std: CLIP_STD },
): Promise<Float32Array> {
  const { data } = await sharp(
    Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength),
    {
      raw: { width: image.width, height: image.height, channels: 3 },
    },
  )
    .resize(size, size, { fit: 'cover', kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const mean = norm.mean[c] as number;
    const std = norm.std[c] as number;
    for (let i = 0; i < plane; i++)
      out[c * plane + i] = ((data[i * 3 + c] as number) / 255 - mean) / std;
  }
  return out;
}
