import { describe, expect, it } from 'vitest';
import { createRng } from '../random/xoshiro128';
import { resizeLanczos } from './lanczosResize';
import { simdAvailable } from './lanczosSimd';
import type { GrayImage } from './rgbImage';

function noise(width: number, height: number, seed: number): GrayImage {
  const rng = createRng(seed);
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = rng.nextUint32() & 255;
  return { width, height, data };
}

// Exactness against Pillow is proven by test/diffusion/imageHashParity.test.ts; here the SIMD
// kernel is held to the scalar loop on shapes the parity pictures do not reach.
describe('resizeLanczos', () => {
  it('runs the SIMD kernel on this Node', () => {
    expect(simdAvailable()).toBe(true);
  });

  it('gives the same pixels with and without the SIMD kernel', () => {
    const cases: [number, number, number, number][] = [
      [1024, 1024, 8, 8],
      [1024, 1024, 9, 8],
      [1024, 1024, 32, 32],
      [1000, 563, 32, 32],
      [563, 1000, 9, 8],
      [7, 5, 32, 32],
      [1, 1, 9, 8],
      [33, 2, 8, 8],
      [17, 3000, 32, 32],
    ];
    for (const [i, [w, h, ow, oh]] of cases.entries()) {
      const image = noise(w, h, i + 1);
      const fast = resizeLanczos(image, ow, oh);
      const scalar = resizeLanczos(image, ow, oh, { simd: false });
      expect({ size: [w, h, ow, oh], same: Buffer.compare(fast.data, scalar.data) === 0 }).toEqual({
        size: [w, h, ow, oh],
        same: true,
      });
      expect([fast.width, fast.height]).toEqual([ow, oh]);
    }
  });

  it('enlarges a single pixel to a flat image of its value (one tap of weight exactly 1)', () => {
    const out = resizeLanczos({ width: 1, height: 1, data: Uint8Array.of(173) }, 9, 8);
    expect(Array.from(out.data)).toEqual(new Array(72).fill(173));
  });

  it('refuses sizes that are not positive integers', () => {
    const image = noise(4, 4, 1);
    expect(() => resizeLanczos(image, 0, 4)).toThrow(RangeError);
    expect(() => resizeLanczos(image, 2.5, 4)).toThrow(RangeError);
  });
});
