import { deriveSeed } from '../../random/deriveSeed';
import { createRng } from '../../random/xoshiro128';
import type { OnnxGraph } from '../../testing/onnxGraph';

/** Weights for test models: normals from the package PRNG, seeded by (model seed, tensor name). */
export function randomWeight(
  g: OnnxGraph,
  seed: number,
  name: string,
  dims: readonly number[],
  scale: number,
): string {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = createRng(deriveSeed(seed, name)).fillNormal(new Float32Array(n));
  for (let i = 0; i < n; i++) data[i] = (data[i] as number) * scale;
  return g.tensor(name, data, dims);
}

export function constant(g: OnnxGraph, name: string, value: number, n: number): string {
  return g.tensor(name, new Float32Array(n).fill(value), [n]);
}
