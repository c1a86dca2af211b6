/**
 * The dataset builder's own image hashes, defined exactly as Python `imagehash` 4.3 defines
 * average_hash, phash, dhash and colorhash (default sizes) and written as the same hex strings.
 * They belong to the inference package's image features; they live here until it exists.
 */
import { type GrayImage, type RgbImage, resizeLanczos, toGray, toHsv } from './pilResample.js';

/** imagehash's hex text of a bit array: big-endian bits, left-padded to ceil(bits / 4) digits. */
export function bitsToHex(bits: readonly boolean[]): string {
  const width = Math.ceil(bits.length / 4);
  let value = 0n;
  for (const bit of bits) value = (value << 1n) | (bit ? 1n : 0n);
  return value.toString(16).padStart(width, '0');
}

/** average_hash: 8x8 LANCZOS thumbnail, bits where a pixel exceeds the mean. */
export function averageHash(image: RgbImage): string {
  const small = resizeLanczos(toGray(image), 8, 8);
  const mean = small.data.reduce((a, b) => a + b, 0) / small.data.length;
  return bitsToHex(Array.from(small.data, (p) => p > mean));
}

/** dhash: 9x8 thumbnail, bits where a pixel is brighter than its left neighbour. */
export function differenceHash(image: RgbImage): string {
  const small = resizeLanczos(toGray(image), 9, 8);
  const bits: boolean[] = [];
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      bits.push((small.data[y * 9 + x + 1] as number) > (small.data[y * 9 + x] as number));
    }
  }
  return bitsToHex(bits);
}

/** Unnormalised DCT-II (scipy.fftpack.dct default) of `n` samples with the given stride. */
function dct(
  values: Float64Array,
  start: number,
  stride: number,
  n: number,
  out: Float64Array,
): void {
  for (let k = 0; k < n; k++) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum +=
        (values[start + i * stride] as number) * Math.cos((Math.PI * k * (2 * i + 1)) / (2 * n));
    }
    out[start + k * stride] = 2 * sum;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** phash: 32x32 thumbnail, 2-D DCT, bits where the low 8x8 coefficients exceed their median. */
export function perceptualHash(image: RgbImage): string {
  const n = 32;
  const small: GrayImage = resizeLanczos(toGray(image), n, n);
  const pixels = Float64Array.from(small.data);
  const columns = new Float64Array(n * n);
  for (let x = 0; x < n; x++) dct(pixels, x, n, n, columns);
  const both = new Float64Array(n * n);
  for (let y = 0; y < n; y++) dct(columns, y * n, 1, n, both);
  // scipy's FFT-based DCT gives exact zeros where this direct sum leaves rounding dust (flat
  // images); snap values that are zero to working precision.
  const low: number[] = [];
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      const c = both[y * n + x] as number;
      low.push(Math.abs(c) < 1e-7 ? 0 : c);
    }
  }
  const med = median(low);
  return bitsToHex(low.map((c) => c > med));
}

/** colorhash (binbits 3): black and gray fractions, then faint and bright hue histograms. */
export function colorHash(image: RgbImage): string {
  const binbits = 3;
  const gray = toGray(image).data;
  const { h, s } = toHsv(image);
  const n = gray.length;
  let black = 0;
  let grayish = 0;
  let colors = 0;
  const faint = new Array<number>(6).fill(0);
  const bright = new Array<number>(6).fill(0);
  // numpy.histogram over linspace(0, 255, 7): right-open bins, the last one closed.
  const hueBin = (hue: number): number => Math.min(5, Math.floor(hue / 42.5));
  for (let i = 0; i < n; i++) {
    const isBlack = (gray[i] as number) < 32;
    const sat = s[i] as number;
    if (isBlack) black++;
    if (!isBlack && sat < 85) grayish++;
    if (!isBlack && sat >= 85) {
      colors++;
      const bin = hueBin(h[i] as number);
      if (sat < 170) faint[bin] = (faint[bin] as number) + 1;
      else if (sat > 170) bright[bin] = (bright[bin] as number) + 1;
    }
  }
  const max = 2 ** binbits;
  const c = Math.max(1, colors);
  const values = [
    Math.min(max - 1, Math.trunc((black / n) * max)),
    Math.min(max - 1, Math.trunc((grayish / n) * max)),
    ...[...faint, ...bright].map((count) => Math.min(max - 1, Math.trunc((count * max) / c))),
  ];
  const bits: boolean[] = [];
  for (const v of values) {
    for (let i = 0; i < binbits; i++) {
      bits.push(Math.floor(v / 2 ** (binbits - i - 1)) % 2 ** (binbits - i) > 0);
    }
  }
  return bitsToHex(bits);
}

export interface BuilderHashes {
  readonly average: string;
  readonly perceptual: string;
  readonly difference: string;
  readonly color: string;
}

export function allHashes(image: RgbImage): BuilderHashes {
  return {
    average: averageHash(image),
    perceptual: perceptualHash(image),
    difference: differenceHash(image),
    color: colorHash(image),
  };
}
