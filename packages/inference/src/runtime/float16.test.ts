import { describe, expect, it } from 'vitest';
import { f16ToF32, f32ToF16 } from './float16';

describe('float16 conversion', () => {
  it('encodes known values with round-to-nearest-even', () => {
    expect([1, -2, 65504, 65520, 2 ** -24, 2 ** -25, 0.1, 0, -0].map(f32ToF16)).toEqual([
      0x3c00, 0xc000, 0x7bff, 0x7c00, 0x0001, 0x0000, 0x2e66, 0x0000, 0x8000,
    ]);
    expect(f32ToF16(Number.NaN) & 0x7e00).toBe(0x7e00);
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1).
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00);
    expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('round-trips every finite half', () => {
    let bad = 0;
    for (let bits = 0; bits < 0x10000; bits++) {
      const exponent = (bits >> 10) & 0x1f;
      if (exponent === 0x1f) continue;
      if (f32ToF16(f16ToF32(bits)) !== bits) bad++;
    }
    expect(bad).toBe(0);
  });
});
