import { InferenceError, InferenceErrorCode } from '../errors';
import { decodeImage } from '../image/decodeImage';
import { encodeImage } from '../image/encodeImage';
import type { RgbImage } from '../image/rgbImage';
import * as ort from '../runtime/ort';

/** Largest image the upscale task takes (the protocol's UPSCALE_INPUT_MAX_PIXELS). */
export const UPSCALE_INPUT_MAX_PIXELS = 1344 * 1344;

export interface UpscalerOptions {
  /** Side of the square of input pixels each tile contributes (default 256). */
  tile?: number;
  /**
   * Extra input pixels read around each tile and thrown away after the model (default 16).
   * When it is at least the model's receptive-field radius, the tiled result equals one pass
   * over the whole image.
   */
  overlap?: number;
  maxInputPixels?: number;
}

export interface UpscaleResult {
  image: RgbImage;
  png: Uint8Array;
  scale: number;
  tiles: number;
}

/**
 * A super-resolution model (`input` [1, 3, H, W] in [0, 1] → [1, 3, sH, sW]) run tile by tile,
 * so memory stays bounded for large images: each tile of input pixels is cut out with `overlap`
 * pixels of context (clipped at the image border), upscaled, and its centre written out.
 */
export class TiledUpscaler {
  private readonly tile: number;
  private readonly overlap: number;
  private readonly maxInputPixels: number;

  constructor(
    private readonly session: ort.InferenceSession,
    options: UpscalerOptions = {},
  ) {
    this.tile = options.tile ?? 256;
    this.overlap = options.overlap ?? 16;
    this.maxInputPixels = options.maxInputPixels ?? UPSCALE_INPUT_MAX_PIXELS;
    if (this.tile < 1 || this.overlap < 0) throw new RangeError('tile must be ≥ 1 and overlap ≥ 0');
  }

  async upscaleBytes(bytes: Uint8Array): Promise<UpscaleResult> {
    return this.upscale(await decodeImage(bytes, { maxPixels: this.maxInputPixels }));
  }

  async upscale(image: RgbImage): Promise<UpscaleResult> {
    const { width: W, height: H } = image;
    let out: Uint8Array | undefined;
    let scale = 0;
    let tiles = 0;
    for (let ty = 0; ty < H; ty += this.tile) {
      for (let tx = 0; tx < W; tx += this.tile) {
        const x0 = Math.max(0, tx - this.overlap);
        const y0 = Math.max(0, ty - this.overlap);
        const x1 = Math.min(W, tx + this.tile + this.overlap);
        const y1 = Math.min(H, ty + this.tile + this.overlap);
        const result = await this.runTile(image, x0, y0, x1 - x0, y1 - y0);
        if (!out) {
          scale = result.scale;
          out = new Uint8Array(W * scale * H * scale * 3);
        } else if (result.scale !== scale) {
          throw unsupported('the upscaler changed its scale between tiles');
        }
        const cw = Math.min(this.tile, W - tx) * scale;
        const ch = Math.min(this.tile, H - ty) * scale;
        const ox = (tx - x0) * scale;
        const oy = (ty - y0) * scale;
        const rw = (x1 - x0) * scale;
        for (let y = 0; y < ch; y++) {
          for (let x = 0; x < cw; x++) {
            const src = ((oy + y) * rw + ox + x) * 3;
            const dst = ((ty * scale + y) * W * scale + tx * scale + x) * 3;
            out[dst] = result.data[src] as number;
            out[dst + 1] = result.data[src + 1] as number;
            out[dst + 2] = result.data[src + 2] as number;
          }
        }
        tiles++;
      }
    }
    if (!out) throw new InferenceError(InferenceErrorCode.BadRequest, 'the image is empty');
    const upscaled = { width: W * scale, height: H * scale, data: out };
    return { image: upscaled, png: await encodeImage(upscaled, { format: 'png' }), scale, tiles };
  }

  private async runTile(image: RgbImage, x0: number, y0: number, w: number, h: number) {
    const plane = w * h;
    const x = new Float32Array(3 * plane);
    for (let y = 0; y < h; y++) {
      for (let i = 0; i < w; i++) {
        const src = ((y0 + y) * image.width + x0 + i) * 3;
        for (let c = 0; c < 3; c++)
          x[c * plane + y * w + i] = (image.data[src + c] as number) / 255;
      }
    }
    const result = await this.session.run({ input: new ort.Tensor('float32', x, [1, 3, h, w]) });
    const tensor = result.output ?? result[this.session.outputNames[0] ?? ''];
    if (!tensor) throw unsupported('the upscaler returned no output');
    const [, channels, oh, ow] = tensor.dims as [number, number, number, number];
    const scale = ow / w;
    if (channels !== 3 || !Number.isInteger(scale) || scale < 1 || oh !== h * scale) {
      throw unsupported(
        `the upscaler output [${tensor.dims.join(', ')}] is not an integer upscale of ${w}x${h}`,
      );
    }
    const src = tensor.data as Float32Array;
    const oplane = ow * oh;
    const data = new Uint8Array(oplane * 3);
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < oplane; i++) {
        data[i * 3 + c] = Math.round(Math.min(1, Math.max(0, src[c * oplane + i] as number)) * 255);
      }
    }
    return { data, scale };
  }
}

function unsupported(message: string): InferenceError {
  return new InferenceError(InferenceErrorCode.ModelShapeUnsupported, message);
}
