import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { InferenceErrorCode } from '../errors';
import { DecoderModel } from '../llm/decoderModel';
import { buildLoraAdapter } from '../lora/loraAdapter';
import { readSafetensors } from '../lora/safetensors';
import { float16ToFloat32, float32ToFloat16 } from '../runtime/float16';
import * as ort from '../runtime/ort';
import { writeTestAdapter } from '../testing/loraFixtures';
import { attr, OnnxGraph } from '../testing/onnxGraph';
import { buildTinyDecoder, defaultTinyDecoderConfig } from '../testing/tinyDecoder';
import { addLoraInputs, targetOfNode } from './addLoraInputs';
import { decodeFields, encodeFields } from './protobufFields';

const open = async (bytes: Uint8Array) =>
  new DecoderModel(
    await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1 }),
  );

describe('addLoraInputs on a plain export', () => {
  const plain = buildTinyDecoder(defaultTinyDecoderConfig, { withLoraInputs: false });

  it('re-encodes an untouched file byte for byte', () => {
    expect(Buffer.compare(Buffer.from(encodeFields(decodeFields(plain))), Buffer.from(plain))).toBe(
      0,
    );
  });

  it('names targets from export node names', () => {
    expect(targetOfNode('/model/layers.3/self_attn/q_proj/MatMul')).toBe(
      'model.layers.3.self_attn.q_proj',
    );
    expect(targetOfNode('/lm_head/MatMul')).toBe('lm_head');
  });

  it('adds A/B inputs to every projection by default', async () => {
    const { bytes, targets, skipped } = addLoraInputs(plain);
    expect(skipped).toEqual([]);
    expect(targets.map((t) => t.target)).toEqual([
      'model.layers.0.self_attn.q_proj',
      'model.layers.0.self_attn.k_proj',
      'model.layers.0.self_attn.v_proj',
      'model.layers.0.self_attn.o_proj',
      'model.layers.0.mlp.up_proj',
      'model.layers.0.mlp.down_proj',
      'model.layers.1.self_attn.q_proj',
      'model.layers.1.self_attn.k_proj',
      'model.layers.1.self_attn.v_proj',
      'model.layers.1.self_attn.o_proj',
      'model.layers.1.mlp.up_proj',
      'model.layers.1.mlp.down_proj',
      'lm_head',
    ]);
    expect(targets.find((t) => t.target === 'model.layers.0.mlp.up_proj')).toEqual({
      target: 'model.layers.0.mlp.up_proj',
      inDim: 32,
      outDim: 64,
      weight: 'model.layers.0.mlp.up_proj.weight',
      tied: false,
    });
    const model = await open(bytes);
    expect(model.loraInputs).toHaveLength(13);
    const ids = [5, 17, 99, 3, 250, 7];
    const withZeros = await model.forward(ids, model.emptyCache());
    const original = await open(plain);
    expect(Array.from(withZeros.logits)).toEqual(
      Array.from((await original.forward(ids, original.emptyCache())).logits),
    );
    expect(() => addLoraInputs(bytes)).toThrow(
      expect.objectContaining({ code: InferenceErrorCode.ModelShapeUnsupported }),
    );
  });

  it('gives the same logits as a model built with LoRA inputs, with an adapter fed', async () => {
    const { bytes } = addLoraInputs(
      plain,
      /^\/(?:model\/layers\.\d+\/self_attn\/[qv]_proj|lm_head)\/MatMul$/,
    );
    const rewritten = await open(bytes);
    const built = await open(buildTinyDecoder(defaultTinyDecoderConfig));
    expect(rewritten.loraInputs).toEqual(built.loraInputs);
    const adapter = await writeTestAdapter({
      dir: tmpdir(),
      name: `rewrite-${process.pid}`,
      inputs: built.loraInputs,
      targets: ['model.layers.0.self_attn.q_proj', 'model.layers.1.self_attn.v_proj', 'lm_head'],
      rank: 4,
      alpha: 8,
      seed: 12,
    });
    const feeds = buildLoraAdapter(
      readSafetensors(await readFile(adapter.path)),
      built.loraInputs,
    ).feeds;
    const ids = [9, 8, 7, 6, 5, 4, 3];
    const a = await rewritten.forward(ids, rewritten.emptyCache(), feeds);
    const b = await built.forward(ids, built.emptyCache(), feeds);
    expect(Array.from(a.logits)).toEqual(Array.from(b.logits));
    const none = await built.forward(ids, built.emptyCache());
    expect(Array.from(a.logits)).not.toEqual(Array.from(none.logits));
  });
});

/** A pino logger that keeps its records. */
function recordingLogger() {
  const records: { level: number; msg: string; [k: string]: unknown }[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => records.push(JSON.parse(line)) },
  );
  return { logger, records };
}

/**
 * A tied-embedding model as Optimum exports Qwen2: the embedding E [V, H] is read by a Gather
 * and, transposed, by `/lm_head/MatMul`.
 */
function tiedGraph(embedding: Float32Array, vocab: number, hidden: number): Uint8Array {
  const g = new OnnxGraph('tied');
  const ids = g.input('input_ids', 'int64', [1, 'seq']);
  const emb = g.tensor('model.embed_tokens.weight', embedding, [vocab, hidden]);
  const x = g.op('Gather', [emb, ids], {}, undefined, '/model/embed_tokens/Gather');
  const wT = g.op(
    'Transpose',
    [emb],
    { perm: attr.ints([1, 0]) },
    'model.embed_tokens.weight_transposed',
    'Transpose_1',
  );
  const logits = g.op('MatMul', [x, wT], {}, 'logits', '/lm_head/MatMul');
  g.output(logits, 'float32', [1, 'seq', vocab]);
  return g.toBytes(17);
}

describe('addLoraInputs on tied and converted weights', () => {
  // E [3, 2]: rows are the embeddings of tokens 0..2.
  const E = Float32Array.from([1, 2, 3, -1, 0.5, 4]);

  it('adds lm_head on a tied embedding (Transpose of the Gather table), reports it, and computes x·E^T + x·A·B', async () => {
    const { logger, records } = recordingLogger();
    const { bytes, targets, skipped } = addLoraInputs(tiedGraph(E, 3, 2), { logger });
    expect(skipped).toEqual([]);
    expect(targets).toEqual([
      {
        target: 'lm_head',
        inDim: 2,
        outDim: 3,
        weight: 'Transpose(model.embed_tokens.weight)',
        tied: true,
      },
    ]);
    expect(records.map((r) => r.msg)).toEqual([
      'LoRA input added for lm_head, whose weight is tied to an embedding',
    ]);
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
    // A [2, 1] = [1, 1]^T, B [1, 3] = [10, 0, -1]: delta(x) = (x0 + x1) · [10, 0, -1].
    const out = await session.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.of(1n, 2n), [1, 2]),
      'lora.lm_head.A': new ort.Tensor('float32', Float32Array.of(1, 1), [2, 1]),
      'lora.lm_head.B': new ort.Tensor('float32', Float32Array.of(10, 0, -1), [1, 3]),
    });
    // token 1: x = [3, -1]: x·E^T = [3 - 2, 9 + 1, 1.5 - 4] = [1, 10, -2.5]; delta = 2·[10, 0, -1].
    // token 2: x = [0.5, 4]: x·E^T = [8.5, -2.5, 16.25]; delta = 4.5·[10, 0, -1].
    expect(Array.from(out.logits?.data as Float32Array)).toEqual([21, 10, -4.5, 53.5, -2.5, 11.75]);
  });

  it('follows a Cast to float16 and gives the LoRA inputs the weight type', async () => {
    const g = new OnnxGraph('fp16');
    const x = g.input('x', 'float16', [1, 2]);
    const w = g.op('Cast', [g.tensor('w', Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3])], {
      to: attr.int(10),
    });
    g.output(g.op('MatMul', [x, w], {}, 'y', '/lm_head/MatMul'), 'float16', [1, 3]);
    const { bytes, targets } = addLoraInputs(g.toBytes(17));
    expect(targets).toEqual([
      { target: 'lm_head', inDim: 2, outDim: 3, weight: 'Cast(w)', tied: false },
    ]);
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
    expect(session.inputMetadata.find((m) => m.name === 'lora.lm_head.A')).toMatchObject({
      type: 'float16',
    });
    const f16 = (v: number[], dims: number[]) =>
      new ort.Tensor('float16', float32ToFloat16(Float32Array.from(v)), dims);
    const out = await session.run({
      x: f16([1, 1], [1, 2]),
      'lora.lm_head.A': f16([2, 0], [2, 1]),
      'lora.lm_head.B': f16([1, 2, 3], [1, 3]),
    });
    // x·W = [5, 7, 9]; x·A = 2; delta = [2, 4, 6].
    expect(Array.from(float16ToFloat32(out.y?.data as Uint16Array))).toEqual([7, 11, 15]);
  });

  it('lists and logs a matching node it cannot handle, and leaves it as it was', () => {
    const g = new OnnxGraph('odd');
    const x = g.input('x', 'float32', [1, 2]);
    const scale = g.input('scale', 'float32', [2, 2]);
    const w = g.op(
      'Mul',
      [g.tensor('w', Float32Array.of(1, 2, 3, 4), [2, 2]), scale],
      {},
      'w_scaled',
      'scale_weights',
    );
    const q = g.op('MatMul', [x, w], {}, 'q', '/model/layers.0/self_attn/q_proj/MatMul');
    const k = g.op('MatMul', [x, scale], {}, 'k', '/model/layers.0/self_attn/k_proj/MatMul');
    g.output(q, 'float32', [1, 2]);
    g.output(k, 'float32', [1, 2]);
    const { logger, records } = recordingLogger();
    const plain = g.toBytes(17);
    const { bytes, targets, skipped } = addLoraInputs(plain, { logger });
    expect(targets).toEqual([]);
    expect(skipped).toEqual([
      {
        node: '/model/layers.0/self_attn/q_proj/MatMul',
        reason:
          'its weight w_scaled is computed by a Mul node (scale_weights), which is not followed',
      },
      {
        node: '/model/layers.0/self_attn/k_proj/MatMul',
        reason:
          'its weight scale is neither an initializer nor computed by a node (a graph input?)',
      },
    ]);
    expect(records.map((r) => [r.level, r.node])).toEqual([
      [40, '/model/layers.0/self_attn/q_proj/MatMul'],
      [40, '/model/layers.0/self_attn/k_proj/MatMul'],
    ]);
    expect(Buffer.compare(Buffer.from(bytes), Buffer.from(plain))).toBe(0);
  });
});
