import sharp from 'sharp';
import type { RgbImage } from './rgbImage';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

export interface EncodeOptions {
  format: ImageFormat;
  /** JPEG/WebP quality 1..100 (default 90); PNG is lossless. */
  quality?: number;
}

/**
 * Encodes RGB pixels. PNG output carries no metadata and uses fixed settings (zlib level 6,
 * adaptive filtering off), so the same pixels give the same bytes with the same sharp build.
 */
export async function encodeImage(image: RgbImage, options: EncodeOptions): Promise<Uint8Array> {
  const input = sharp(
    Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength),
    {
      raw: { width: image.width, height: image.height, channels: 3 },
    },
  );
  const quality = options.quality ?? 90;
  const out =
    options.format === 'png'
      ? input.png({ compressionLevel: 6, adaptiveFiltering: false, palette: false })
      : options.format === 'jpeg'
        ? input.jpeg({ quality, mozjpeg: false })
        : input.webp({ quality });
  const buffer = await out.toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export type FitMode = 'cover' | 'fill';

/**
 * Resizes to exactly width × height with sharp's Lanczos-3 kernel: 'cover' keeps the aspect
 * ratio and crops the centre, 'fill' stretches. Used to bring input images to the model's size.
 */
export async function resizeImage(
  image: RgbImage,
  size: { width: number; height: number; fit?: FitMode },
): Promise<RgbImage> {
  if (image.width === size.width && image.height === size.height) return image;
  const { data, info } = await sharp(
    Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength),
    { raw: { width: image.width, height: image.height, channels: 3 } },
  )
    .resize(size.width, size.height, { fit: size.fit ?? 'cover', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}
