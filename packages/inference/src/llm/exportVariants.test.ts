import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLoraAdapter } from '../lora/loraAdapter';
import { readSafetensors } from '../lora/safetensors';
import * as ort from '../runtime/ort';
import { writeTestAdapter } from '../testing/loraFixtures';
import { buildTinyDecoder, defaultTinyDecoderConfig } from '../testing/tinyDecoder';
import { tinyChatTokenizer } from '../testing/tinyLlm';
import { DecoderModel } from './decoderModel';
import { LlmEngine } from './llmEngine';

const open = async (ioType: 'float32' | 'float16') =>
  new DecoderModel(
    await ort.InferenceSession.create(buildTinyDecoder(defaultTinyDecoderConfig, { ioType }), {
      executionProviders: ['cpu'],
      intraOpNumThreads: 1,
    }),
  );

describe('export variants', () => {
  it('feeds num_logits_to_keep = 0 and runs without position_ids, giving the same logits', async () => {
    const opts = { executionProviders: ['cpu'], intraOpNumThreads: 1 };
    const variant = new DecoderModel(
      await ort.InferenceSession.create(
        buildTinyDecoder(defaultTinyDecoderConfig, {
          numLogitsToKeep: true,
          withoutPositionIds: true,
        }),
        opts,
      ),
    );
    expect(variant.hasPositionIds).toBe(false);
    const plain = await open('float32');
    const ids = [3, 1, 4, 1, 5, 9, 2, 6];
    const a = await variant.forward(ids.slice(0, 5), variant.emptyCache());
    const b = await plain.forward(ids.slice(0, 5), plain.emptyCache());
    expect(Array.from(a.logits)).toEqual(Array.from(b.logits));
    const a2 = await variant.forward(ids.slice(5), a.cache);
    const b2 = await plain.forward(ids.slice(5), b.cache);
    expect(Array.from(a2.logits)).toEqual(Array.from(b2.logits));
  });
});

describe('a model with float16 KV cache, logits and LoRA inputs', () => {
  it('generates like the float32 model, to half-precision rounding', async () => {
    const half = await open('float16');
    const full = await open('float32');
    expect(half.kvType).toBe('float16');
    expect(half.loraInputs[0]?.type).toBe('float16');
    const tokenizer = tinyChatTokenizer();
    const req = { prompt: 'The miner answers the validator', maxTokens: 8, temperature: 0 };
    const a = await new LlmEngine({ model: half, tokenizer }).complete(req);
    const b = await new LlmEngine({ model: full, tokenizer }).complete(req);
    expect(a.tokenIds).toEqual(b.tokenIds);
    a.logprobs.forEach((lp, i) => {
      expect(Math.abs(lp - (b.logprobs[i] as number))).toBeLessThan(0.05);
    });
  });

  it('takes float16 adapters and keeps the cache in float16 when cut back', async () => {
    const half = await open('float16');
    const dir = await mkdtemp(join(tmpdir(), 'f16-'));
    const adapter = await writeTestAdapter({
      dir,
      name: 'a',
      inputs: half.loraInputs,
      targets: ['lm_head'],
      rank: 2,
      alpha: 2,
      seed: 5,
    });
    const feeds = buildLoraAdapter(
      readSafetensors(await readFile(adapter.path)),
      half.loraInputs,
    ).feeds;
    expect(feeds.get('lora.lm_head.A')?.type).toBe('float16');
    const ids = [10, 20, 30, 40];
    const base = await half.forward(ids, half.emptyCache());
    const styled = await half.forward(ids, half.emptyCache(), feeds);
    expect(Array.from(styled.logits)).not.toEqual(Array.from(base.logits));
    const cut = half.truncateCache(base.cache, 2);
    expect(cut.tensors.get('past_key_values.0.key')?.type).toBe('float16');
    expect(cut.tensors.get('past_key_values.0.key')?.dims).toEqual([1, 4, 2, 8]);
    await rm(dir, { recursive: true, force: true });
  });
});
