import { simdHorizontalSums } from './lanczosSimd';
import type { GrayImage } from './rgbImage';

/**
 * Resizes a one-channel 8-bit image with Pillow's LANCZOS (a = 3) resampling, bit for bit:
 *
 * - Per axis, output pixel `o` is centred at c = (o + 0.5) · scale in input coordinates, with
 *   scale = in / out and filterscale = max(scale, 1). Taps run over input pixels
 *   [trunc(c - support + 0.5), trunc(c + support + 0.5)) clipped to the image, support =
 *   3 · filterscale; tap weight = lanczos((x - c + 0.5) / filterscale), normalised to sum 1.
 * - Weights become integers: round-half-away(w · 2^22). A sum starts at 2^21, adds pixel ·
 *   weight in 32-bit integer arithmetic, and the result is sum >> 22 clamped to 0..255 (each
 *   pass writes 8-bit pixels).
 * - The horizontal pass runs first unless the height shrinks by more than twice the amount the
 *   width does (then the vertical pass runs first). A pass whose size does not change is skipped.
 *
 * Speed: the taps of each axis are computed once per call as flat integer arrays. The horizontal
 * pass runs as a WebAssembly SIMD kernel (`lanczosSimd.ts`) where it can, else as a loop that
 * keeps eight rows' sums in registers per weight it loads; the vertical pass adds whole input rows
 * into a row of 32-bit sums, so both read memory in order. Integer sums are the same in any order.
 */
const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);
const SUPPORT = 3;

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

function lanczos(x: number): number {
  return x >= -SUPPORT && x < SUPPORT ? sinc(x) * sinc(x / SUPPORT) : 0;
}

/** Per output index: the first input index, the tap count, and the taps at `o * ksize`. */
interface Taps {
  start: Int32Array;
  count: Int32Array;
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
      const v = lanczos((x + lo - center + 0.5) * inv);
      w[x] = v;
      sum += v;
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

/** Pillow's clip8: a 32-bit fixed-point sum to 0..255. */
function clip8(sum: number): number {
  const v = sum >> PRECISION_BITS;
  return Math.max(0, Math.min(v, 255));
}

function horizontal(src: GrayImage, outWidth: number, simd: boolean): GrayImage {
  const { width, height, data } = src;
  const taps = computeTaps(width, outWidth);
  const out = new Uint8Array(outWidth * height);
  const sums = simd ? simdHorizontalSums(src, outWidth, taps) : undefined;
  if (sums) {
    for (let i = 0; i < out.length; i++) out[i] = clip8(((sums[i] as number) + HALF) | 0);
    return { width: outWidth, height, data: out };
  }
  const { start, count, weights, ksize } = taps;
  let y = 0;
  // Eight rows at a time: each weight loaded once feeds eight sums.
  for (; y + 7 < height; y += 8) {
    const r0 = y * width;
    const r1 = r0 + width;
    const r2 = r1 + width;
    const r3 = r2 + width;
    const r4 = r3 + width;
    const r5 = r4 + width;
    const r6 = r5 + width;
    const r7 = r6 + width;
    const dst = y * outWidth;
    for (let o = 0; o < outWidth; o++) {
      const lo = start[o] as number;
      const base = o * ksize - lo;
      let s0 = HALF;
      let s1 = HALF;
      let s2 = HALF;
      let s3 = HALF;
      let s4 = HALF;
      let s5 = HALF;
      let s6 = HALF;
      let s7 = HALF;
      for (let x = lo, end = lo + (count[o] as number); x < end; x++) {
        const k = weights[base + x] as number;
        s0 = (s0 + Math.imul(data[r0 + x] as number, k)) | 0;
        s1 = (s1 + Math.imul(data[r1 + x] as number, k)) | 0;
        s2 = (s2 + Math.imul(data[r2 + x] as number, k)) | 0;
        s3 = (s3 + Math.imul(data[r3 + x] as number, k)) | 0;
        s4 = (s4 + Math.imul(data[r4 + x] as number, k)) | 0;
        s5 = (s5 + Math.imul(data[r5 + x] as number, k)) | 0;
        s6 = (s6 + Math.imul(data[r6 + x] as number, k)) | 0;
        s7 = (s7 + Math.imul(data[r7 + x] as number, k)) | 0;
      }
      out[dst + o] = clip8(s0);
      out[dst + outWidth + o] = clip8(s1);
      out[dst + 2 * outWidth + o] = clip8(s2);
      out[dst + 3 * outWidth + o] = clip8(s3);
      out[dst + 4 * outWidth + o] = clip8(s4);
      out[dst + 5 * outWidth + o] = clip8(s5);
      out[dst + 6 * outWidth + o] = clip8(s6);
      out[dst + 7 * outWidth + o] = clip8(s7);
    }
  }
  for (; y < height; y++) {
    const row = y * width;
    for (let o = 0; o < outWidth; o++) {
      const lo = row + (start[o] as number);
      const n = count[o] as number;
      const base = o * ksize;
      let sum = HALF;
      for (let x = 0; x < n; x++) {
        sum = (sum + Math.imul(data[lo + x] as number, weights[base + x] as number)) | 0;
      }
      out[y * outWidth + o] = clip8(sum);
    }
  }
  return { width: outWidth, height, data: out };
}

function vertical(src: GrayImage, outHeight: number): GrayImage {
  const { width, height, data } = src;
  const { start, count, weights, ksize } = computeTaps(height, outHeight);
  const out = new Uint8Array(width * outHeight);
  // Int32Array stores wrap like the C int sums they stand for.
  const sums = new Int32Array(width);
  for (let o = 0; o < outHeight; o++) {
    const lo = start[o] as number;
    const n = count[o] as number;
    const base = o * ksize;
    sums.fill(HALF);
    for (let y = 0; y < n; y++) {
      const k = weights[base + y] as number;
      const row = (lo + y) * width;
      for (let x = 0; x < width; x++) {
        sums[x] = (sums[x] as number) + Math.imul(data[row + x] as number, k);
      }
    }
    const dst = o * width;
    for (let x = 0; x < width; x++) out[dst + x] = clip8(sums[x] as number);
  }
  return { width, height: outHeight, data: out };
}

export interface ResizeOptions {
  /** Use the WebAssembly SIMD kernel for the horizontal pass where it runs (default true). */
  simd?: boolean;
}

export function resizeLanczos(
  image: GrayImage,
  width: number,
  height: number,
  options: ResizeOptions = {},
): GrayImage {
  const simd = options.simd ?? true;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`bad target size ${width}x${height}`);
  }
  const needH = width !== image.width;
  const needV = height !== image.height;
  const dh = image.height - height;
  const horizontalFirst = !(dh > 0 && dh > (image.width - width) * 2);
  let out = image;
  if (horizontalFirst) {
    if (needH) out = horizontal(out, width, simd);
    if (needV) out = vertical(out, height);
  } else {
    if (needV) out = vertical(out, height);
    if (needH) out = horizontal(out, width, simd);
  }
  return out === image ? { width, height, data: image.data.slice() } : out;
}
