/**
 * The image inputs of Upscale and ClipEmbeddings, decoded as miner and validator both decode them:
 * the upscale image as bytes (the upscaler checks its own pixel limit, UPSCALE_INPUT_MAX_PIXELS),
 * the CLIP images as pixels of at most the protocol's INPUT_IMAGE_MAX_PIXELS each, in order.
 */
import { INPUT_IMAGE_MAX_PIXELS } from '@subnet/protocol/tasks';
import { decodeImage, imageBytesFromBase64 } from '../image/decodeImage';
import type { RgbImage } from '../image/rgbImage';
import type { TaskFields } from './taskFields';

/** The encoded bytes of an Upscale task's image, for `TiledUpscaler.upscaleBytes`. */
export function upscaleInputOf(fields: Pick<TaskFields<'Upscale'>, 'image'>): Uint8Array {
  return imageBytesFromBase64(fields.image);
}

/**
 * The decoded images of a ClipEmbeddings task, one by one in order, so that the first bad image
 * is the one reported (`ImageInputError`: corrupt 400, over the pixel limit 413).
 */
export async function clipImagesOf(
  fields: Pick<TaskFields<'ClipEmbeddings'>, 'image_b64s'>,
): Promise<RgbImage[]> {
  const images: RgbImage[] = [];
  for (const b64 of fields.image_b64s) {
    images.push(
      await decodeImage(imageBytesFromBase64(b64), { maxPixels: INPUT_IMAGE_MAX_PIXELS }),
    );
  }
  return images;
}
