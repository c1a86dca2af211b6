import sharp, { type Metadata } from 'sharp';
import { InferenceError, InferenceErrorCode } from '../errors';
import type { RgbImage } from './rgbImage';

/** Why an input image was refused; every reason is the caller's fault (a 4xx on the wire). */
export type ImageInputProblem = 'too_large' | 'corrupt' | 'bad_base64';

/**
 * A refused input image. `code` is INFERENCE_BAD_REQUEST (the caller sent it); `problem` says
 * which check failed; `status` is the HTTP status a server should answer with.
 */
export class ImageInputError extends InferenceError {
  readonly problem: ImageInputProblem;
  readonly status: 400 | 413;

  constructor(problem: ImageInputProblem, message: string, options?: { cause?: unknown }) {
    super(InferenceErrorCode.BadRequest, message, options);
    this.problem = problem;
    this.status = problem === 'too_large' ? 413 : 400;
  }
}

export interface DecodeOptions {
  /** Largest decoded width × height accepted (read from the header before decoding). */
  maxPixels: number;
}

/** What an image's header says, read without decoding a pixel. */
export interface ImageHeader {
  width: number;
  height: number;
  format: 'png' | 'jpeg' | 'webp';
  /** An alpha channel is present (RGBA, grey + alpha, or a PNG palette with transparency). */
  hasAlpha: boolean;
}

/** The header of PNG, JPEG or WebP bytes; anything else, or unreadable bytes, is refused. */
export async function readImageHeader(bytes: Uint8Array): Promise<ImageHeader> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { failOn: 'error', limitInputPixels: false }).metadata();
  } catch (err) {
    throw new ImageInputError('corrupt', `the image cannot be read: ${reason(err)}`, {
      cause: err,
    });
  }
  const { width, height, format, hasAlpha } = meta;
  if (format !== 'png' && format !== 'jpeg' && format !== 'webp') {
    throw new ImageInputError('corrupt', `unsupported image format '${format}' (png, jpeg, webp)`);
  }
  return { width, height, format, hasAlpha };
}

/**
 * Decodes PNG, JPEG or WebP bytes to 8-bit sRGB without alpha (alpha is dropped, not blended).
 * The pixel count is checked from the header before any pixel is decoded, so a small file that
 * expands to a huge image (a decompression bomb) costs nothing; truncated or corrupt data fails.
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions): Promise<RgbImage> {
  const { width, height } = await readImageHeader(bytes);
  if (width * height > options.maxPixels) {
    throw new ImageInputError(
      'too_large',
      `the image is ${width}x${height} = ${width * height} pixels; at most ${options.maxPixels} are accepted`,
    );
  }
  try {
    const { data, info } = await sharp(bytes, {
      failOn: 'truncated',
      limitInputPixels: options.maxPixels,
    })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels, expected 3`);
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (err) {
    throw new ImageInputError('corrupt', `the image cannot be decoded: ${reason(err)}`, {
      cause: err,
    });
  }
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Base64 text (as sent on the wire) to image bytes; refuses anything that is not base64. */
export function imageBytesFromBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0 || !BASE64_RE.test(text)) {
    throw new ImageInputError('bad_base64', 'the image is not valid base64 text');
  }
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export function imageBytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function reason(err: unknown): string {
  return err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
}
