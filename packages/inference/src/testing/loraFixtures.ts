import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoraInput } from '../llm/decoderModel';
import { type FloatTensor, writeSafetensors } from '../lora/safetensors';
import { deriveSeed } from '../random/deriveSeed';
import { createRng } from '../random/xoshiro128';

export interface TestAdapter {
  path: string;
  /** PEFT-layout tensors per target: A [r, in], B [out, r]. */
  weights: Map<string, { A: FloatTensor; B: FloatTensor }>;
  rank: number;
  alpha: number;
}

/** Writes a PEFT-layout LoRA adapter with seeded random A and B (or B = 0) for some targets. */
export async function writeTestAdapter(options: {
  dir: string;
  name: string;
  inputs: readonly LoraInput[];
  targets: readonly string[];
  rank: number;
  alpha: number;
  seed: number;
  zeroB?: boolean;
}): Promise<TestAdapter> {
  const weights = new Map<string, { A: FloatTensor; B: FloatTensor }>();
  const tensors = new Map<string, FloatTensor>();
  for (const target of options.targets) {
    const input = options.inputs.find((i) => i.target === target);
    if (!input) throw new Error(`no LoRA input ${target}`);
    const r = options.rank;
    const rng = createRng(deriveSeed(options.seed, target));
    const A = { shape: [r, input.inDim], data: rng.fillNormal(new Float32Array(r * input.inDim)) };
    const B = { shape: [input.outDim, r], data: new Float32Array(r * input.outDim) };
    if (!options.zeroB) rng.fillNormal(B.data);
    weights.set(target, { A, B });
    tensors.set(`base_model.model.${target}.lora_A.weight`, A);
    tensors.set(`base_model.model.${target}.lora_B.weight`, B);
  }
  const path = join(options.dir, `${options.name}.safetensors`);
  await writeFile(path, writeSafetensors(tensors, { lora_alpha: String(options.alpha) }));
  return { path, weights, rank: options.rank, alpha: options.alpha };
}

/** Hand computation of scale · h · A^T · B^T for one row h (float64). */
export function loraDelta(
  h: ArrayLike<number>,
  w: { A: FloatTensor; B: FloatTensor },
  scale: number,
): Float64Array {
  const [r, inDim] = w.A.shape as [number, number];
  const outDim = w.B.shape[0] as number;
  const ha = new Float64Array(r);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < inDim; j++)
      ha[i] = (ha[i] as number) + (h[j] as number) * (w.A.data[i * inDim + j] as number);
  }
  const out = new Float64Array(outDim);
  for (let o = 0; o < outDim; o++) {
    let s = 0;
    for (let i = 0; i < r; i++) s += (ha[i] as number) * (w.B.data[o * r + i] as number);
    out[o] = s * scale;
  }
  return out;
}
