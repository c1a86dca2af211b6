import { describe, expect, it } from 'vitest';
import { deriveSeed } from './deriveSeed';
import { createRng, splitMix64 } from './xoshiro128';

// Expected values come from an independent Python implementation of the rule in xoshiro128.ts.
describe('xoshiro128** with SplitMix64 seeding', () => {
  it('matches the published SplitMix64 output for seed 0', () => {
    expect(splitMix64(0n)[1]).toBe(0xe220a8397b1dcdafn);
  });

  it('draws the specified 32-bit words', () => {
    const rng = createRng(42);
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([
      1776835114, 4165204688, 17111135, 2317295270,
    ]);
    const top = createRng(2n ** 64n - 1n);
    expect([top.nextUint32(), top.nextUint32()]).toEqual([477689756, 2493998634]);
  });

  it('builds 53-bit floats and Box–Muller normals from the words', () => {
    const rng = createRng(7);
    expect(rng.nextFloat64()).toBe(0.4193505224726699);
    expect(rng.nextFloat64()).toBe(0.6968157502682852);
    const normals = createRng(7);
    expect(normals.nextNormal()).toBeCloseTo(-0.3419855705848359, 15);
    expect(normals.nextNormal()).toBeCloseTo(-0.9850187286069249, 15);
  });

  it('repeats a stream for a seed and differs between seeds', () => {
    const a = createRng(123).fillNormal(new Float32Array(64));
    const b = createRng(123).fillNormal(new Float32Array(64));
    const c = createRng(124).fillNormal(new Float32Array(64));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('rejects seeds outside [0, 2^64)', () => {
    expect(() => createRng(-1)).toThrow(RangeError);
    expect(() => createRng(2n ** 64n)).toThrow(RangeError);
    expect(() => createRng(0.5)).toThrow(RangeError);
  });

  it('derives named sub-seeds by sha256', () => {
    expect(deriveSeed(123, 'sample', 0)).toBe(17161925974233474429n);
    expect(deriveSeed(123, 'sample', 1)).not.toBe(deriveSeed(123, 'sample', 0));
  });
});
