import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { InferenceErrorCode } from '../errors';
import { DecoderModel } from '../llm/decoderModel';
import { buildLoraAdapter } from '../lora/loraAdapter';
import { readSafetensors } from '../lora/safetensors';
import { writeTestAdapter } from '../testing/loraFixtures';
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
