import sharp from 'sharp';
import type { RgbImage } from '../image/rgbImage';

/**
 * An inpainting mask on a grid of width × height cells: the mask image's luma resized to the grid
 * (sharp, bilinear), then 1 where ≥ 128 (repaint) and 0 elsewhere (keep). Used at the latent size
 * (h/8 × w/8) and at the image size.
 */
export async function maskGrid(mask: RgbImage, width: number, height: number): Promise<Uint8Array> {
  const { data } = await sharp(
    Buffer.from(mask.data.buffer, mask.data.byteOffset, mask.data.byteLength),
    { raw: { width: mask.width, height: mask.height, channels: 3 } },
  )
    .greyscale()
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return Uint8Array.from(data, (v) => (v >= 128 ? 1 : 0));
}
