import { hsvHue, hsvSaturation } from './colorConversion';
import type { GrayImage, RgbImage } from './rgbImage';

/** Where a pixel that is not black is counted, by max · 256 + min of its channels. */
const GREY = 1;
const FAINT = 2;
const BRIGHT = 8;
/** Coloured but neither faint nor bright (saturation exactly 170): counted apart, then ignored. */
const NEITHER = 14;
let saturationClasses: Uint8Array | undefined;

function saturationClass(): Uint8Array {
  if (!saturationClasses) {
    saturationClasses = new Uint8Array(256 * 256);
    for (let max = 0; max < 256; max++) {
      for (let min = 0; min <= max; min++) {
        const s = hsvSaturation(max, min);
        saturationClasses[max * 256 + min] =
          s < 85 ? GREY : s < 170 ? FAINT : s > 170 ? BRIGHT : NEITHER;
      }
    }
  }
  return saturationClasses;
}

/**
 * The colour hash's hue bin (0..5) of each non-grey pixel, remembered as it is first needed
 * (255: not yet known). Pillow's hue depends only on the channels' distances below the maximum:
 * which channel is the maximum (red, then green, then blue on ties) and the other two distances,
 * so 3 · 256 · 256 entries hold every case.
 */
const hueBins = new Uint8Array(3 * 256 * 256).fill(255);

function hueBin(r: number, g: number, b: number, max: number): number {
  const key =
    r === max
      ? ((max - g) << 8) | (max - b)
      : g === max
        ? 0x10000 | ((max - r) << 8) | (max - b)
        : 0x20000 | ((max - r) << 8) | (max - g);
  let bin = hueBins[key] as number;
  if (bin === 255) {
    bin = Math.min(5, Math.floor(hsvHue(r, g, b) / 42.5));
    hueBins[key] = bin;
  }
  return bin;
}

/**
 * One pass over the pixels: the luma plane (`toLuma`) and the colour hash's 14 levels (0..7):
 * black and grey fractions of all pixels, then faint and bright hue bins of the coloured ones
 * (see `colorHash` in imageHashes.ts). A pixel is counted at
 * 0 (black), GREY, or its saturation class plus its hue bin; saturation classes come from a
 * table, and the hue bin (`hueBin`) is looked up only for coloured pixels.
 */
export function scanPixels(image: RgbImage): { luma: GrayImage; colorLevels: number[] } {
  const { width, height, data } = image;
  const n = width * height;
  const luma = new Uint8Array(n);
  const classes = saturationClass();
  const counts = new Int32Array(NEITHER + 6);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const r = data[j] as number;
    const g = data[j + 1] as number;
    const b = data[j + 2] as number;
    const l = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
    luma[i] = l;
    let at = 0;
    if (l >= 32) {
      const max = Math.max(r, g, b);
      at = classes[(max << 8) | Math.min(r, g, b)] as number;
      if (at !== GREY) at += hueBin(r, g, b, max);
    }
    counts[at] = (counts[at] as number) + 1;
  }
  let colored = 0;
  for (let k = FAINT; k < NEITHER + 6; k++) colored += counts[k] as number;
  const c = Math.max(1, colored);
  return {
    luma: { width, height, data: luma },
    colorLevels: [
      Math.min(7, Math.trunc(((counts[0] as number) / n) * 8)),
      Math.min(7, Math.trunc(((counts[GREY] as number) / n) * 8)),
      ...Array.from(counts.subarray(FAINT, NEITHER), (count) =>
        Math.min(7, Math.trunc((count * 8) / c)),
      ),
    ],
  };
}
