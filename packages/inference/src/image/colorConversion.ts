import type { GrayImage, RgbImage } from './rgbImage';

/**
 * Colour conversions defined as Pillow (13.x) defines them for 8-bit images, so that hashes
 * computed here equal those of Python tools that open the same pixels with Pillow.
 */

/**
 * Luma ("L" mode): L = (19595·R + 38470·G + 7471·B + 32768) >> 16, the ITU-R 601 weights
 * 0.299/0.587/0.114 in 16-bit fixed point, rounded to nearest.
 */
export function toLuma(image: RgbImage): GrayImage {
  const { width, height, data } = image;
  const out = new Uint8Array(width * height);
  for (let i = 0, j = 0; i < out.length; i++, j += 3) {
    out[i] =
      ((data[j] as number) * 19595 +
        (data[j + 1] as number) * 38470 +
        (data[j + 2] as number) * 7471 +
        0x8000) >>>
      16;
  }
  return { width, height, data: out };
}

export interface HsvPlanes {
  /** Hue 0..255 (a full turn is 256 steps, truncated). */
  h: Uint8Array;
  /** Saturation 0..255 (truncated). */
  s: Uint8Array;
  /** Value: max(R, G, B). */
  v: Uint8Array;
}

/**
 * HSV planes with Pillow's arithmetic: single-precision floats for the chroma ratios, the hue
 * sector offsets (2, 4) and the wrap `fmod(h / 6 + 1, 1)` in double, stored back as single;
 * h = trunc(h · 255), s = trunc((max - min) / max · 255); grey pixels get h = s = 0.
 */
export function toHsv(image: RgbImage): HsvPlanes {
  const n = image.width * image.height;
  const h = new Uint8Array(n);
  const s = new Uint8Array(n);
  const v = new Uint8Array(n);
  const { data } = image;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const r = data[j] as number;
    const g = data[j + 1] as number;
    const b = data[j + 2] as number;
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    v[i] = max;
    if (max === min) continue;
    h[i] = hsvHue(r, g, b);
    s[i] = hsvSaturation(max, min);
  }
  return { h, s, v };
}

/** Pillow's HSV saturation 0..255 of a pixel with these max and min channels (0 when equal). */
export function hsvSaturation(max: number, min: number): number {
  if (max === min) return 0;
  const sat = Math.fround((max - min) / max);
  return Math.min(255, Math.max(0, Math.trunc(sat * 255)));
}

/** Pillow's HSV hue 0..255 of a pixel that is not grey (its channels are not all equal). */
export function hsvHue(r: number, g: number, b: number): number {
  const f = Math.fround;
  const max = Math.max(r, g, b);
  const cr = max - Math.min(r, g, b);
  const rc = f((max - r) / cr);
  const gc = f((max - g) / cr);
  const bc = f((max - b) / cr);
  let hue: number;
  if (r === max) hue = f(bc - gc);
  else if (g === max) hue = f(2 + rc - bc);
  else hue = f(4 + gc - rc);
  hue = f((hue / 6 + 1) % 1);
  return Math.min(255, Math.max(0, Math.trunc(hue * 255)));
}
