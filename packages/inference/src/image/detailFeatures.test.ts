import { describe, expect, it } from 'vitest';
import { detailFeatures } from './detailFeatures';
import type { RgbImage } from './rgbImage';

/** A grey image from a function of (x, y) giving the grey level. */
function grey(width: number, height: number, level: (x: number, y: number) => number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++)
      data.fill(level(x, y), (y * width + x) * 3, (y * width + x + 1) * 3);
  }
  return { width, height, data };
}

/** A deterministic textured picture: a gradient plus an LCG's noise. */
function textured(width: number, height: number): RgbImage {
  let state = 7;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    data[i] = Math.min(255, ((i / 3) % width) + (state >>> 26));
  }
  return { width, height, data };
}

/** Box-averages blocks of `f` x `f` pixels and spreads each mean back over its block. */
function downUp(image: RgbImage, f: number): RgbImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  for (let by = 0; by < height; by += f) {
    for (let bx = 0; bx < width; bx += f) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        let n = 0;
        for (let y = by; y < Math.min(height, by + f); y++) {
          for (let x = bx; x < Math.min(width, bx + f); x++, n++)
            sum += data[(y * width + x) * 3 + c] as number;
        }
        for (let y = by; y < Math.min(height, by + f); y++) {
          for (let x = bx; x < Math.min(width, bx + f); x++)
            out[(y * width + x) * 3 + c] = Math.round(sum / n);
        }
      }
    }
  }
  return { width, height, data: out };
}

describe('detailFeatures', () => {
  it('gives identical images the PSNR cap, a detail ratio of 1 and no color shift', () => {
    const image = textured(40, 30);
    const same = { lumaPsnr: 60, detailRatio: 1, colorShift: 0 };
    expect(detailFeatures(image, image)).toEqual(same);
    expect(detailFeatures(image, { ...image, data: image.data.slice() })).toEqual(same);
  });

  it('computes luma PSNR and the Laplacian energy ratio by their definitions', () => {
    // 3x3, one interior pixel: reference centre 120 on 100 (Laplacian 80, energy 6400), candidate
    // centre 110 (energy 1600); one pixel off by 10 of 9: MSE 100 / 9.
    const reference = grey(3, 3, (x, y) => (x === 1 && y === 1 ? 120 : 100));
    const candidate = grey(3, 3, (x, y) => (x === 1 && y === 1 ? 110 : 100));
    const features = detailFeatures(reference, candidate);
    expect(features.lumaPsnr).toBeCloseTo(10 * Math.log10((255 * 255 * 9) / 100), 10); // 37.6730
    expect(features.lumaPsnr).toBeCloseTo(37.673, 3);
    expect(features.detailRatio).toBeCloseTo(1601 / 6401, 12);
    // A 3x3 grid of one-pixel cells: one cell off by 10 in R, G and B of 9 cells x 3 channels.
    expect(features.colorShift).toBeCloseTo(Math.sqrt(300 / 27), 12);
    // The other way round: more detail than the reference, ratio above 1.
    expect(detailFeatures(candidate, reference).detailRatio).toBeCloseTo(6401 / 1601, 12);
  });

  it('caps the ratio at 10 and treats images without interior pixels as equally detailed', () => {
    const flat = grey(3, 3, () => 100);
    const spike = grey(3, 3, (x, y) => (x === 1 && y === 1 ? 110 : 100));
    expect(detailFeatures(flat, spike).detailRatio).toBe(10); // 1601 / 1, capped
    const a = grey(2, 5, (x) => 50 + x);
    const b = grey(2, 5, (x) => 52 + x);
    // MSE 4: PSNR 10 log10(65025 / 4) = 42.11 dB; no interior pixel, both energies 0.
    expect(detailFeatures(a, b).detailRatio).toBe(1);
    expect(detailFeatures(a, b).lumaPsnr).toBeCloseTo(10 * Math.log10(65025 / 4), 6);
  });

  it('sees the detail that a down-then-up resize loses', () => {
    const reference = textured(64, 48);
    const twice = detailFeatures(reference, downUp(reference, 2));
    const fourTimes = detailFeatures(reference, downUp(reference, 4));
    expect(twice.detailRatio).toBeCloseTo(0.07539, 5);
    expect(fourTimes.detailRatio).toBeCloseTo(0.008664, 6);
    expect(twice.lumaPsnr).toBeCloseTo(27.5388, 4);
    expect(fourTimes.lumaPsnr).toBeCloseTo(26.5517, 4);
  });

  it('averages pixel noise out of the color shift but sees a changed colour', () => {
    const reference = grey(32, 32, () => 100);
    // +3 / -3 in a checkerboard: every 2x2 cell keeps its mean, the pixels do not.
    const noisy = grey(32, 32, (x, y) => ((x + y) % 2 === 0 ? 103 : 97));
    const features = detailFeatures(reference, noisy);
    expect(features.colorShift).toBe(0);
    expect(features.lumaPsnr).toBeCloseTo(10 * Math.log10(65025 / 9), 6);
    // The left half turned from grey 100 to (130, 100, 21): the same luma within 0.04, so the
    // PSNR stays at its cap, but another colour.
    const tinted: RgbImage = { ...reference, data: reference.data.slice() };
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 16; x++) tinted.data.set([130, 100, 21], (y * 32 + x) * 3);
    }
    const shifted = detailFeatures(reference, tinted);
    // Half of the 256 cells off by 30 in R and 79 in B, over 256 x 3 values.
    expect(shifted.colorShift).toBeCloseTo(Math.sqrt((128 * (30 ** 2 + 79 ** 2)) / 768), 12);
    expect(shifted.lumaPsnr).toBe(60);
  });

  it('refuses images of different sizes or with the wrong number of bytes', () => {
    const a = textured(8, 8);
    expect(() => detailFeatures(a, textured(8, 9))).toThrow(
      expect.objectContaining({
        code: 'INFERENCE_BAD_REQUEST',
        message: 'images differ in size (reference 8x8, candidate 8x9)',
      }),
    );
    expect(() => detailFeatures(a, { width: 8, height: 8, data: new Uint8Array(10) })).toThrow(
      /candidate image holds 10 bytes, not 8x8x3/,
    );
    expect(() => detailFeatures({ width: 0, height: 0, data: new Uint8Array(0) }, a)).toThrow(
      /reference image has no pixels/,
    );
  });
});
