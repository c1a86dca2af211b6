import { InferenceError, InferenceErrorCode } from '../errors';
import type { RgbImage } from '../image/rgbImage';
import * as ort from '../runtime/ort';

/**
 * The VAE between latents and pixels. Decode: z / scalingFactor → decoder → x in [-1, 1];
 * pixel = round(clamp(x / 2 + 0.5, 0, 1) · 255). Encode: pixel / 127.5 - 1 → encoder → mean
 * latent · scalingFactor (0.18215 for SD 1.x/2.x, 0.13025 for SDXL). The encoder may output
 * `latent_sample` (the mean) or `latent_parameters` (mean and log-variance; the mean is used),
 * so encoding never draws noise.
 */
export async function decodeLatents(
  decoder: ort.InferenceSession,
  latents: Float32Array,
  dims: readonly number[],
  scalingFactor: number,
): Promise<RgbImage> {
  const scaled = Float32Array.from(latents, (v) => v / scalingFactor);
  const out = await decoder.run({ latent_sample: new ort.Tensor('float32', scaled, [...dims]) });
  const sample = out.sample ?? out[decoder.outputNames[0] ?? ''];
  if (!sample) throw unsupported('the VAE decoder returned no output');
  const [, channels, height, width] = sample.dims as [number, number, number, number];
  if (channels !== 3) throw unsupported(`the VAE decoder gave ${channels} channels, expected 3`);
  const x = sample.data as Float32Array;
  const plane = width * height;
  const data = new Uint8Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane; i++) {
      const v = Math.min(1, Math.max(0, (x[c * plane + i] as number) / 2 + 0.5));
      data[i * 3 + c] = Math.round(v * 255);
    }
  }
  return { width, height, data };
}

export async function encodePixels(
  encoder: ort.InferenceSession,
  image: RgbImage,
  scalingFactor: number,
  /** Per pixel, 1 = blank it (0, mid grey) before encoding: an inpainting UNet's masked image. */
  blank?: Uint8Array,
): Promise<{ latents: Float32Array; dims: number[] }> {
  const { width, height, data } = image;
  const plane = width * height;
  const x = new Float32Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane; i++) {
      x[c * plane + i] = blank?.[i] ? 0 : (data[i * 3 + c] as number) / 127.5 - 1;
    }
  }
  const out = await encoder.run({ sample: new ort.Tensor('float32', x, [1, 3, height, width]) });
  const latent = out.latent_sample ?? out.latent_parameters ?? out[encoder.outputNames[0] ?? ''];
  if (!latent) throw unsupported('the VAE encoder returned no output');
  const [batch, channels, h, w] = latent.dims as [number, number, number, number];
  // `latent_parameters` exports give [mean; log-variance] along the channels: keep the mean.
  const keep = out.latent_sample ? channels : channels / 2;
  const all = latent.data as Float32Array;
  const latents = new Float32Array(batch * keep * h * w);
  for (let b = 0; b < batch; b++) {
    const from = b * channels * h * w;
    for (let i = 0; i < keep * h * w; i++) {
      latents[b * keep * h * w + i] = (all[from + i] as number) * scalingFactor;
    }
  }
  return { latents, dims: [batch, keep, h, w] };
}

function unsupported(message: string): InferenceError {
  return new InferenceError(InferenceErrorCode.ModelShapeUnsupported, message);
}
