import { toLuma } from './colorConversion';
import { scanPixels } from './colorHashScan';
import { resizeLanczos } from './lanczosResize';
import type { GrayImage, RgbImage } from './rgbImage';

/**
 * The four perceptual hashes validators compare images by, defined to equal Python `imagehash`
 * 4.3.2 (on Pillow 13) bit for bit at their default sizes:
 *
 * - Grayscale is Pillow's "L" conversion (see `toLuma`); shrinking is Pillow's LANCZOS resize
 *   (see `resizeLanczos`), both on 8-bit pixels.
 * - Bits are read row by row, left to right; the first bit is the most significant. The hex text
 *   is that big number in lowercase hex, left-padded with zeros to ceil(bits / 4) digits.
 *
 * `imageHashes` computes all four in one go (what miners and validators call): one pass over the
 * RGB pixels makes the luma plane and the colour hash's counts, and each resize is made once.
 * The single-hash functions give the same values.
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
  return averageBits(resizeLanczos(toLuma(image), 8, 8));
}

function averageBits(small: GrayImage): string {
  let sum = 0;
  for (const p of small.data) sum += p;
  const mean = sum / small.data.length;
  return bitsToHex(Array.from(small.data, (p) => p > mean));
}

/** difference_hash (dhash): luma shrunk to 9×8; a bit is set where a pixel is above its left neighbour. */
export function differenceHash(image: RgbImage): string {
  return differenceBits(resizeLanczos(toLuma(image), 9, 8));
}

function differenceBits(small: GrayImage): string {
  const px = small.data;
  const bits: boolean[] = [];
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      bits.push((px[y * 9 + x + 1] as number) > (px[y * 9 + x] as number));
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
  return perceptualBits(resizeLanczos(toLuma(image), DCT_N, DCT_N));
}

function perceptualBits(small: GrayImage): string {
  const px = small.data;
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
  return colorBits(scanPixels(image).colorLevels);
}

/** imagehash's digit rule: bit i of level v is (v // 2^(2 - i)) % 2^(3 - i) > 0 (v >= 4, v >= 2, v odd). */
function colorBits(levels: readonly number[]): string {
  return bitsToHex(levels.flatMap((v) => [v >= 4, v >= 2, (v & 1) === 1]));
}

/** All four hashes; the luma plane and each resize are made once. */
export function imageHashes(image: RgbImage): ImageHashes {
  const { luma, colorLevels } = scanPixels(image);
  return {
    average_hash: averageBits(resizeLanczos(luma, 8, 8)),
    perceptual_hash: perceptualBits(resizeLanczos(luma, DCT_N, DCT_N)),
    difference_hash: differenceBits(resizeLanczos(luma, 9, 8)),
    color_hash: colorBits(colorLevels),
  };
}
