import type { GrayImage } from './rgbImage';

/**
 * Resizes a one-channel 8-bit image with Pillow's LANCZOS (a = 3) resampling, bit for bit:
 *
 * - Per axis, output pixel `o` is centred at c = (o + 0.5) · scale in input coordinates, with
 *   scale = in / out and filterscale = max(scale, 1). Taps run over input pixels
 *   [trunc(c - support + 0.5), trunc(c + support + 0.5)) clipped to the image, support =
 *   3 · filterscale; tap weight = lanczos((x - c + 0.5) / filterscale), normalised to sum 1.
 * - Weights become integers: round-half-away(w · 2^22). A sum starts at 2^21, adds pixel ·
 *   weight, and the result is sum >> 22 clamped to 0..255 (each pass writes 8-bit pixels).
 * - The horizontal pass runs first unless the height shrinks by more than twice the amount the
 *   width does (then the vertical pass runs first). A pass whose size does not change is skipped.
 */
const PRECISION_BITS = 22;
const SUPPORT = 3;

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

function lanczos(x: number): number {
  return x >= -SUPPORT && x < SUPPORT ? sinc(x) * sinc(x / SUPPORT) : 0;
}

interface Taps {
  start: Int32Array;
  count: Int32Array;
  /** [outSize × ksize] fixed-point weights. */
  weights: Int32Array;
  ksize: number;
}

function computeTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = SUPPORT * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const inv = 1 / filterscale;
  const w = new Float64Array(ksize);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    const n = hi - lo;
    let sum = 0;
    for (let x = 0; x < n; x++) {
      w[x] = lanczos((x + lo - center + 0.5) * inv);
      sum += w[x] as number;
    }
    for (let x = 0; x < n; x++) {
      const k = sum === 0 ? (w[x] as number) : (w[x] as number) / sum;
      const scaled = k * (1 << PRECISION_BITS);
      weights[o * ksize + x] = k < 0 ? Math.trunc(-0.5 + scaled) : Math.trunc(0.5 + scaled);
    }
    start[o] = lo;
    count[o] = n;
  }
  return { start, count, weights, ksize };
}

function clip8(sum: number): number {
  const v = sum >> PRECISION_BITS;
  return Math.max(0, Math.min(v, 255));
}

function horizontal(src: GrayImage, outWidth: number): GrayImage {
  const taps = computeTaps(src.width, outWidth);
  const out = new Uint8Array(outWidth * src.height);
  for (let y = 0; y < src.height; y++) {
    const row = y * src.width;
    for (let o = 0; o < outWidth; o++) {
      const lo = taps.start[o] as number;
      const n = taps.count[o] as number;
      const base = o * taps.ksize;
      let sum = 1 << (PRECISION_BITS - 1);
      for (let x = 0; x < n; x++) {
        sum += (src.data[row + lo + x] as number) * (taps.weights[base + x] as number);
      }
      out[y * outWidth + o] = clip8(sum);
    }
  }
  return { width: outWidth, height: src.height, data: out };
}

function vertical(src: GrayImage, outHeight: number): GrayImage {
  const taps = computeTaps(src.height, outHeight);
  const out = new Uint8Array(src.width * outHeight);
  for (let o = 0; o < outHeight; o++) {
    const lo = taps.start[o] as number;
    const n = taps.count[o] as number;
    const base = o * taps.ksize;
    for (let x = 0; x < src.width; x++) {
      let sum = 1 << (PRECISION_BITS - 1);
      for (let y = 0; y < n; y++) {
        sum += (src.data[(lo + y) * src.width + x] as number) * (taps.weights[base + y] as number);
      }
      out[o * src.width + x] = clip8(sum);
    }
  }
  return { width: src.width, height: outHeight, data: out };
}

export function resizeLanczos(image: GrayImage, width: number, height: number): GrayImage {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`bad target size ${width}x${height}`);
  }
  const needH = width !== image.width;
  const needV = height !== image.height;
  const dh = image.height - height;
  const horizontalFirst = !(dh > 0 && dh > (image.width - width) * 2);
  let out = image;
  if (horizontalFirst) {
    if (needH) out = horizontal(out, width);
    if (needV) out = vertical(out, height);
  } else {
    if (needV) out = vertical(out, height);
    if (needH) out = horizontal(out, width);
  }
  return out === image ? { width, height, data: image.data.slice() } : out;
}
