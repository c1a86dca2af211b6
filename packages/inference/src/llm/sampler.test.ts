import { describe, expect, it } from 'vitest';
import { createRng } from '../random/xoshiro128';
import { sampleToken } from './sampler';

const counts = (
  logits: number[],
  params: { temperature: number; topP: number; topK: number },
  n: number,
) => {
  const rng = createRng(99);
  const row = Float32Array.from(logits);
  const out = new Array(logits.length).fill(0);
  for (let i = 0; i < n; i++) out[sampleToken(row, params, rng)]++;
  return out;
};

describe('sampleToken', () => {
  it('takes the argmax at temperature 0, the lowest id on ties, without drawing', () => {
    const rng = createRng(1);
    expect(
      sampleToken(Float32Array.from([1, 3, 3, 2]), { temperature: 0, topP: 1, topK: 0 }, rng),
    ).toBe(1);
    expect(rng.nextUint32()).toBe(createRng(1).nextUint32());
  });

  it('follows softmax(logits / temperature)', () => {
    const c = counts([0, Math.log(3)], { temperature: 1, topP: 1, topK: 0 }, 20000);
    expect(Math.abs(c[1] / 20000 - 0.75)).toBeLessThan(0.01);
    const hot = counts([0, Math.log(3)], { temperature: 2, topP: 1, topK: 0 }, 20000);
    expect(Math.abs(hot[1] / 20000 - Math.sqrt(3) / (1 + Math.sqrt(3)))).toBeLessThan(0.01);
  });

  it('keeps only top_k and the top_p nucleus, and never tokens 40 temperatures below the max', () => {
    expect(counts([2, 1, 0, 3], { temperature: 1, topP: 1, topK: 2 }, 3000)[1]).toBe(0);
    expect(counts([2, 1, 0, 3], { temperature: 1, topP: 1, topK: 2 }, 3000)[2]).toBe(0);
    // p = [0.5, 0.3, 0.2]: top_p 0.7 keeps the first two.
    const nucleus = counts(
      [Math.log(5), Math.log(3), Math.log(2)],
      { temperature: 1, topP: 0.7, topK: 0 },
      8000,
    );
    expect(nucleus[2]).toBe(0);
    expect(Math.abs(nucleus[0] / 8000 - 0.625)).toBeLessThan(0.02);
    expect(counts([0, -41, -39], { temperature: 1, topP: 1, topK: 0 }, 2000)[1]).toBe(0);
  });

  it('makes one draw per sampled token, so a seed fixes the sequence', () => {
    const row = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
    const params = { temperature: 1, topP: 0.9, topK: 3 };
    const a = createRng(5);
    const b = createRng(5);
    const picks = Array.from({ length: 50 }, () => sampleToken(row, params, a));
    expect(Array.from({ length: 50 }, () => sampleToken(row, params, b))).toEqual(picks);
    const c = createRng(5);
    for (let i = 0; i < 50; i++) c.nextFloat64();
    expect(a.nextUint32()).toBe(c.nextUint32());
  });
});
