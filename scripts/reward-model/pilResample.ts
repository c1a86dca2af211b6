/**
 * The dataset builder's own copy of Pillow's 8-bit LANCZOS resize and RGB -> L / HSV conversions,
 * reproduced so that the image hashes below equal Python `imagehash`'s bit for bit. (These move
 * to the inference package's image features once that package exists.)
 */

/** A single-channel 8-bit image, row-major. */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** An RGB 8-bit image, row-major, 3 bytes per pixel. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

const PRECISION_BITS = 22;
const LANCZOS_SUPPORT = 3;

function sinc(x: number): number {
  if (x === 0) return 1;
  const t = x * Math.PI;
  return Math.sin(t) / t;
}

function lanczos(x: number): number {
  return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}

interface Coefficients {
  readonly ksize: number;
  readonly bounds: Int32Array;
  readonly weights: Int32Array;
}

/** Filter taps for resizing `inSize` samples to `outSize`, as fixed-point integers. */
function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = LANCZOS_SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const taps = new Float64Array(ksize);
  const invScale = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const w = lanczos((x + xmin - center + 0.5) * invScale);
      taps[x] = w;
      total += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = total !== 0 ? (taps[x] as number) / total : (taps[x] as number);
      const fixed = w * 2 ** PRECISION_BITS;
      weights[xx * ksize + x] = Math.trunc(w < 0 ? fixed - 0.5 : fixed + 0.5);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

function clip8(sum: number): number {
  const shifted = Math.floor(sum / 2 ** PRECISION_BITS);
  return Math.min(Math.max(shifted, 0), 255);
}

/** One pass along rows (horizontal) or columns (vertical). */
function pass(src: GrayImage, outWidth: number, outHeight: number, horizontal: boolean): GrayImage {
  const inLength = horizontal ? src.width : src.height;
  const outLength = horizontal ? outWidth : outHeight;
  const { ksize, bounds, weights } = coefficients(inLength, outLength);
  const out = new Uint8Array(outWidth * outHeight);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const i = horizontal ? x : y;
      const xmin = bounds[i * 2] as number;
      const n = bounds[i * 2 + 1] as number;
      let sum = 2 ** (PRECISION_BITS - 1);
      for (let k = 0; k < n; k++) {
        const sample = horizontal
          ? (src.data[y * src.width + xmin + k] as number)
          : (src.data[(xmin + k) * src.width + x] as number);
        sum += sample * (weights[i * ksize + k] as number);
      }
      out[y * outWidth + x] = clip8(sum);
    }
  }
  return { width: outWidth, height: outHeight, data: out };
}

/** `image.resize((width, height), Image.Resampling.LANCZOS)` for an 8-bit grayscale image. */
export function resizeLanczos(image: GrayImage, width: number, height: number): GrayImage {
  let current = image;
  // Pillow 13 runs the vertical pass first when it shrinks rows while the horizontal pass grows
  // columns (the smaller intermediate image); otherwise horizontal first. The order changes the
  // 8-bit rounding of the intermediate, so it is reproduced.
  if (width > image.width && height < image.height) {
    current = pass(current, current.width, height, false);
    return pass(current, width, height, true);
  }
  if (width !== current.width) current = pass(current, width, current.height, true);
  if (height !== current.height) current = pass(current, width, height, false);
  return current === image ? { ...image, data: Uint8Array.from(image.data) } : current;
}

/** `image.convert('L')`: ITU-R 601-2 luma in 16-bit fixed point. */
export function toGray(image: RgbImage): GrayImage {
  const n = image.width * image.height;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = image.data[i * 3] as number;
    const g = image.data[i * 3 + 1] as number;
    const b = image.data[i * 3 + 2] as number;
    out[i] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
  }
  return { width: image.width, height: image.height, data: out };
}

const f = Math.fround;

/** `image.convert('HSV')`: hue, saturation, value planes, with Pillow's float arithmetic. */
export function toHsv(image: RgbImage): { h: Uint8Array; s: Uint8Array; v: Uint8Array } {
  const n = image.width * image.height;
  const h = new Uint8Array(n);
  const s = new Uint8Array(n);
  const v = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = image.data[i * 3] as number;
    const g = image.data[i * 3 + 1] as number;
    const b = image.data[i * 3 + 2] as number;
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    v[i] = max;
    if (max === min) continue;
    const cr = f(max - min);
    const sat = f(cr / max);
    const rc = f((max - r) / cr);
    const gc = f((max - g) / cr);
    const bc = f((max - b) / cr);
    let hue: number;
    if (r === max) hue = f(bc - gc);
    else if (g === max) hue = f(2 + rc - bc);
    else hue = f(4 + gc - rc);
    hue = f((hue / 6 + 1) % 1);
    h[i] = Math.min(255, Math.max(0, Math.trunc(hue * 255)));
    s[i] = Math.min(255, Math.max(0, Math.trunc(sat * 255)));
  }
  return { h, s, v };
}
