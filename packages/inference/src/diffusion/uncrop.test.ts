import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../image/rgbImage';
import { checkUncrop, extendCanvas, pasteOriginal, uncropCanvas, uncropMask } from './uncrop';

const none = { extend_left: 0, extend_right: 0, extend_top: 0, extend_bottom: 0 };
const opaque = (width: number, height: number) => ({ width, height, hasAlpha: false });

/** A 2×2 image whose pixels are 10, 20 / 30, 40 (all three channels alike). */
const tiny: RgbImage = {
  width: 2,
  height: 2,
  data: Uint8Array.from([10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40]),
};

describe('checkUncrop', () => {
  it('gives the canvas and where the image sits on it', () => {
    expect(checkUncrop(opaque(512, 256), { ...none, extend_left: 64, extend_bottom: 64 })).toEqual({
      canvas: { width: 576, height: 320, left: 64, top: 0 },
    });
    // The image need only be on the 8 grid; the canvas is on the 64 one.
    expect(
      checkUncrop(opaque(1000, 744), { ...none, extend_left: 8, extend_right: 16, extend_top: 24 }),
    ).toEqual({ canvas: { width: 1024, height: 768, left: 8, top: 24 } });
  });

  it('names the field at fault for each problem', () => {
    const problem = (image: ReturnType<typeof opaque>, ext: Partial<typeof none>) => {
      const checked = checkUncrop(image, { ...none, ...ext });
      return 'problem' in checked ? checked.problem : undefined;
    };
    expect(problem({ ...opaque(64, 64), hasAlpha: true }, { extend_top: 8 })?.field).toBe('image');
    expect(problem(opaque(64, 60), { extend_top: 8 })).toEqual({
      field: 'image',
      message:
        'image: is 64x60; uncrop needs both sides to be multiples of 8 (crop or pad it first)',
    });
    expect(problem(opaque(64, 64), {})?.field).toBe('extend_left');
    expect(problem(opaque(64, 64), { extend_right: 4 })?.field).toBe('extend_right');
    // Off the 64 grid: the fix gives the totals that would fit.
    expect(problem(opaque(512, 512), { extend_left: 64, extend_right: 8 })).toEqual({
      field: 'extend_right',
      message:
        'extend_right: the canvas would be 584 pixels wide; its sides must be multiples of 64, so extend_left + extend_right must total 128 or 64, not 72',
    });
    expect(problem(opaque(1000, 768), { extend_top: 64, extend_left: 8 })).toEqual({
      field: 'extend_left',
      message:
        'extend_left: the canvas would be 1008 pixels wide; its sides must be multiples of 64, so extend_left + extend_right must total 24, not 8',
    });
    expect(problem(opaque(512, 512), { extend_bottom: 8 })?.message).toBe(
      'extend_bottom: the canvas would be 520 pixels high; its sides must be multiples of 64, so extend_top + extend_bottom must total 64 or 0, not 8',
    );
    // 1344 × 1344 is the most; one row more is over, named by the larger of the sides that grew.
    expect(problem(opaque(1344, 1336), { extend_top: 8 })).toBeUndefined();
    expect(problem(opaque(1344, 1336), { extend_top: 8, extend_bottom: 8 })).toEqual({
      field: 'extend_top',
      message:
        'extend_top: the canvas would be 1344x1352 = 1817088 pixels; at most 1806336 are allowed',
    });
    expect(problem(opaque(8, 1600), { extend_top: 256, extend_bottom: 200 })?.message).toBe(
      'extend_top: the canvas would be 2056 pixels high; at most 2048 are allowed',
    );
    expect(problem(opaque(1600, 8), { extend_left: 8, extend_right: 448 })?.field).toBe(
      'extend_right',
    );
  });

  it('uncropCanvas throws a bad request carrying the message', () => {
    expect(() => uncropCanvas(opaque(64, 64), none)).toThrow(
      /^extend_left: every side is extended by 0 pixels/,
    );
  });
});

describe('the canvas and its masks', () => {
  const canvas = { width: 5, height: 4, left: 2, top: 1 };

  it('fills each new pixel from the nearest image pixel', () => {
    const extended = extendCanvas(tiny, canvas);
    const grey = Array.from(extended.data.filter((_, i) => i % 3 === 0));
    expect(grey).toEqual([
      10, 10, 10, 20, 20, 10, 10, 10, 20, 20, 30, 30, 30, 40, 40, 30, 30, 30, 40, 40,
    ]);
  });

  it('marks the new area 1 and the image 0, per pixel and per latent cell', () => {
    expect(Array.from(uncropMask(canvas, tiny, 1))).toEqual([
      1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1,
    ]);
    const image16: RgbImage = { width: 16, height: 8, data: new Uint8Array(16 * 8 * 3) };
    const grid = { width: 32, height: 16, left: 8, top: 8 };
    expect(Array.from(uncropMask(grid, image16, 8))).toEqual([1, 1, 1, 1, 1, 0, 0, 1]);
  });

  it('puts the original pixels back over what was generated', () => {
    const generated: RgbImage = { width: 5, height: 4, data: new Uint8Array(5 * 4 * 3).fill(99) };
    const pasted = pasteOriginal(generated, tiny, canvas);
    const grey = Array.from(pasted.data.filter((_, i) => i % 3 === 0));
    expect(grey).toEqual([
      99, 99, 99, 99, 99, 99, 99, 10, 20, 99, 99, 99, 30, 40, 99, 99, 99, 99, 99, 99,
    ]);
    expect(generated.data.every((v) => v === 99)).toBe(true);
  });
});
