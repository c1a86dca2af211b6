import * as ort from 'onnxruntime-node';
import { InferenceError, InferenceErrorCode } from '../errors';
import type { AdapterFeeds, LoraInput } from '../llm/decoderModel';
import { float32ToFloat16 } from '../runtime/float16';
import type { SafetensorsFile } from './safetensors';

/**
 * Turns a LoRA adapter in the PEFT layout (`[base_model.model.]<target>.lora_A.weight` [r, in],
 * `<target>.lora_B.weight` [out, r]) into the graph inputs of the base model:
 * `lora.<target>.A` = lora_A^T [in, r] and `lora.<target>.B` = scale · lora_B^T [r, out], with
 * scale = alpha / r (alpha from the registry entry, else the file's `lora_alpha` metadata, else r).
 * Targets the adapter does not name are fed zeros by the model.
 */
export interface LoraAdapter {
  feeds: AdapterFeeds;
  rank: number;
  /** Bytes held by the feed tensors. */
  bytes: number;
}

const NAME = /^(?:base_model\.model\.)?(.+)\.lora_([AB])(?:\.default)?\.weight$/;

export function buildLoraAdapter(
  file: SafetensorsFile,
  inputs: readonly LoraInput[],
  options: { alpha?: number; adapterId?: string } = {},
): LoraAdapter {
  const id = options.adapterId ?? 'adapter';
  const byTarget = new Map(inputs.map((i) => [i.target, i]));
  const pairs = new Map<
    string,
    { A?: { shape: number[]; data: Float32Array }; B?: { shape: number[]; data: Float32Array } }
  >();
  for (const [name, tensor] of file.tensors) {
    const match = NAME.exec(name);
    if (!match) continue;
    const [, target, which] = match as unknown as [string, string, 'A' | 'B'];
    const pair = pairs.get(target) ?? {};
    pair[which] = tensor;
    pairs.set(target, pair);
  }
  if (pairs.size === 0) throw badAdapter(id, 'it holds no lora_A/lora_B tensors');
  let rank: number | undefined;
  const feeds = new Map<string, ort.Tensor>();
  let bytes = 0;
  for (const [target, { A, B }] of pairs) {
    const input = byTarget.get(target);
    if (!input) throw badAdapter(id, `the base model has no LoRA input for ${target}`);
    if (!A || !B) throw badAdapter(id, `${target} needs both lora_A and lora_B`);
    const [r, inDim] = A.shape as [number, number];
    const [outDim, rB] = B.shape as [number, number];
    if (
      A.shape.length !== 2 ||
      B.shape.length !== 2 ||
      rB !== r ||
      inDim !== input.inDim ||
      outDim !== input.outDim
    ) {
      throw badAdapter(
        id,
        `${target}: lora_A ${JSON.stringify(A.shape)} / lora_B ${JSON.stringify(B.shape)} do not fit [r, ${input.inDim}] / [${input.outDim}, r]`,
      );
    }
    if (rank !== undefined && rank !== r) throw badAdapter(id, 'all targets must share one rank');
    rank = r;
    const alpha = options.alpha ?? Number(file.metadata.lora_alpha ?? r);
    if (!Number.isFinite(alpha))
      throw badAdapter(id, `lora_alpha '${file.metadata.lora_alpha}' is not a number`);
    const scale = alpha / r;
    const a = new Float32Array(inDim * r);
    for (let i = 0; i < r; i++)
      for (let j = 0; j < inDim; j++) a[j * r + i] = A.data[i * inDim + j] as number;
    const b = new Float32Array(r * outDim);
    for (let o = 0; o < outDim; o++)
      for (let i = 0; i < r; i++) b[i * outDim + o] = (B.data[o * r + i] as number) * scale;
    if (input.type === 'float16') {
      feeds.set(`lora.${target}.A`, new ort.Tensor('float16', float32ToFloat16(a), [inDim, r]));
      feeds.set(`lora.${target}.B`, new ort.Tensor('float16', float32ToFloat16(b), [r, outDim]));
      bytes += (a.length + b.length) * 2;
    } else {
      feeds.set(`lora.${target}.A`, new ort.Tensor('float32', a, [inDim, r]));
      feeds.set(`lora.${target}.B`, new ort.Tensor('float32', b, [r, outDim]));
      bytes += (a.length + b.length) * 4;
    }
  }
  return { feeds, rank: rank ?? 0, bytes };
}

function badAdapter(id: string, why: string): InferenceError {
  return new InferenceError(
    InferenceErrorCode.BadAdapter,
    `adapter '${id}' cannot be used: ${why}`,
  );
}
