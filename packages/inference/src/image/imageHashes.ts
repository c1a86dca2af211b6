import { toHsv, toLuma } from './colorConversion';
import { resizeLanczos } from './lanczosResize';
import type { RgbImage } from './rgbImage';

/**
 * The four perceptual hashes validators compare images by, defined to equal Python `imagehash`
 * 4.3.2 (on Pillow 13) bit for bit at their default sizes:
 *
 * - Grayscale is Pillow's "L" conversion (see `toLuma`); shrinking is Pillow's LANCZOS resize
 *   (see `resizeLanczos`), both on 8-bit pixels.
 * - Bits are read row by row, left to right; the first bit is the most significant. The hex text
 *   is that big number in lowercase hex, left-padded with zeros to ceil(bits / 4) digits.
 */
export interface ImageHashes {
  average_hash: string;
  perceptual_hash: string;
  difference_hash: string;
  color_hash: string;
}

/** Hex text of a bit sequence, most significant first, ceil(n / 4) digits. */
export function bitsToHex(bits: readonly boolean[]): string {
  let value = 0n;
  for (const bit of bits) value = (value << 1n) | (bit ? 1n : 0n);
  return value.toString(16).padStart(Math.ceil(bits.length / 4), '0');
}

/** Number of differing bits between two hex hashes of the same length. */
export function hammingDistance(a: string, b: string): number {
  if (a.length !== b.length) throw new RangeError('hashes of different lengths');
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (x > 0n) {
    count += Number(x & 1n);
    x >>= 1n;
  }
  return count;
}

/** average_hash: luma shrunk to 8×8; a bit is set where a pixel is above the mean of all 64. */
export function averageHash(image: RgbImage): string {
  const small = resizeLanczos(toLuma(image), 8, 8).data;
  let sum = 0;
  for (const p of small) sum += p;
  const mean = sum / small.length;
  return bitsToHex(Array.from(small, (p) => p > mean));
}

/** difference_hash (dhash): luma shrunk to 9×8; a bit is set where a pixel is above its left neighbour. */
export function differenceHash(image: RgbImage): string {
  const small = resizeLanczos(toLuma(image), 9, 8).data;
  const bits: boolean[] = [];
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      bits.push((small[y * 9 + x + 1] as number) > (small[y * 9 + x] as number));
    }
  }
  return bitsToHex(bits);
}

const DCT_N = 32;
/** cos(π k (2i + 1) / 2N) for k < 8 (only the low coefficients are kept), i < N. */
const DCT_COS = (() => {
  const table = new Float64Array(8 * DCT_N);
  for (let k = 0; k < 8; k++) {
    for (let i = 0; i < DCT_N; i++) {
      table[k * DCT_N + i] = Math.cos((Math.PI * k * (2 * i + 1)) / (2 * DCT_N));
    }
  }
  return table;
})();

/**
 * perceptual_hash (phash): luma shrunk to 32×32; the unnormalised DCT-II
 * (X_k = 2 Σ x_i cos(π k (2i + 1) / 2N)) down the columns, then along the rows; of the 8×8
 * lowest-frequency coefficients (DC included), a bit is set where one is above their median
 * (the mean of the 32nd and 33rd smallest). Coefficients within 1e-7 of zero count as zero, so
 * flat images hash as the FFT-based reference does. On pictures with content a 1-pixel change
 * moves at most a bit or two; on pictures with almost no low-frequency energy (flat, a pure
 * one-axis ramp, a fine checkerboard) the median sits among near-zero values and any change
 * flips many bits, in the reference as here.
 */
export function perceptualHash(image: RgbImage): string {
  const px = resizeLanczos(toLuma(image), DCT_N, DCT_N).data;
  // Column DCT, low 8 rows only: cols[k][x].
  const cols = new Float64Array(8 * DCT_N);
  for (let k = 0; k < 8; k++) {
    for (let x = 0; x < DCT_N; x++) {
      let sum = 0;
      for (let y = 0; y < DCT_N; y++)
        sum += (px[y * DCT_N + x] as number) * (DCT_COS[k * DCT_N + y] as number);
      cols[k * DCT_N + x] = 2 * sum;
    }
  }
  const low: number[] = [];
  for (let k = 0; k < 8; k++) {
    for (let l = 0; l < 8; l++) {
      let sum = 0;
      for (let x = 0; x < DCT_N; x++)
        sum += (cols[k * DCT_N + x] as number) * (DCT_COS[l * DCT_N + x] as number);
      const c = 2 * sum;
      low.push(Math.abs(c) < 1e-7 ? 0 : c);
    }
  }
  const sorted = [...low].sort((a, b) => a - b);
  const median = ((sorted[31] as number) + (sorted[32] as number)) / 2;
  return bitsToHex(low.map((c) => c > median));
}

/**
 * color_hash (3 bits per bin, 14 bins, 42 bits): over all pixels, the fraction that is black
 * (luma < 32), the fraction that is grey (not black, HSV saturation < 85); then, among the
 * coloured pixels (not black, saturation >= 85; c = their count, at least 1), hue histograms over
 * six equal bins of [0, 255] (the last bin closed) for faint (saturation < 170) and bright
 * (saturation > 170) pixels. Each fraction f (counts as count / c) becomes min(7, trunc(8 f)),
 * written as the 3 bits (v >= 4, v >= 2, v odd), imagehash's own digit rule (not plain binary).
 */
export function colorHash(image: RgbImage): string {
  const luma = toLuma(image).data;
  const { h, s } = toHsv(image);
  const n = luma.length;
  let black = 0;
  let grey = 0;
  let colored = 0;
  const faint = new Array<number>(6).fill(0);
  const bright = new Array<number>(6).fill(0);
  for (let i = 0; i < n; i++) {
    if ((luma[i] as number) < 32) {
      black++;
      continue;
    }
    const sat = s[i] as number;
    if (sat < 85) {
      grey++;
      continue;
    }
    colored++;
    const bin = Math.min(5, Math.floor((h[i] as number) / 42.5));
    if (sat < 170) faint[bin] = (faint[bin] as number) + 1;
    else if (sat > 170) bright[bin] = (bright[bin] as number) + 1;
  }
  const c = Math.max(1, colored);
  const values = [
    Math.min(7, Math.trunc((black / n) * 8)),
    Math.min(7, Math.trunc((grey / n) * 8)),
    ...[...faint, ...bright].map((count) => Math.min(7, Math.trunc((count * 8) / c))),
  ];
  const bits: boolean[] = [];
  // imagehash's digit rule: bit i is (v // 2^(2 - i)) % 2^(3 - i) > 0, i.e. v >= 4, v >= 2, v odd.
  for (const v of values) bits.push(v >= 4, v >= 2, (v & 1) === 1);
  return bitsToHex(bits);
}

export function imageHashes(image: RgbImage): ImageHashes {
  return {
    average_hash: averageHash(image),
    perceptual_hash: perceptualHash(image),
    difference_hash: differenceHash(image),
    color_hash: colorHash(image),
  };
}
