import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceErrorCode } from '../errors';
import type { LlmEngine } from '../llm/llmEngine';
import { loraDelta, type TestAdapter, writeTestAdapter } from '../testing/loraFixtures';
import { createTinyLlm } from '../testing/tinyLlm';
import { AdapterStore } from './adapterStore';

const prompt = 'The miner answers the validator';

describe('LoRA adapters hot-loaded on one session', () => {
  let dir: string;
  let engine: LlmEngine;
  let store: AdapterStore;
  const adapters = new Map<string, TestAdapter>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lora-'));
    const base = await createTinyLlm();
    const inputs = base.model.loraInputs;
    adapters.set(
      'alpha',
      await writeTestAdapter({
        dir,
        name: 'alpha',
        inputs,
        targets: ['lm_head'],
        rank: 4,
        alpha: 8,
        seed: 1,
      }),
    );
    adapters.set(
      'beta',
      await writeTestAdapter({
        dir,
        name: 'beta',
        inputs,
        targets: ['lm_head'],
        rank: 2,
        alpha: 1,
        seed: 2,
      }),
    );
    adapters.set(
      'zero',
      await writeTestAdapter({
        dir,
        name: 'zero',
        inputs,
        targets: ['lm_head', 'model.layers.0.self_attn.q_proj'],
        rank: 3,
        alpha: 3,
        seed: 3,
        zeroB: true,
      }),
    );
    adapters.set(
      'deep',
      await writeTestAdapter({
        dir,
        name: 'deep',
        inputs,
        targets: ['model.layers.1.self_attn.v_proj'],
        rank: 2,
        alpha: 4,
        seed: 4,
      }),
    );
    store = new AdapterStore({
      inputs,
      budgetBytes: 1 << 20,
      resolve: async (id) => {
        const a = adapters.get(id);
        return a ? { path: a.path } : undefined;
      },
    });
    engine = await createTinyLlm({ adapters: store });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function logitsAndHidden(adapter?: string) {
    const ids = engine.tokenizer.encode(prompt);
    const feeds = adapter ? await store.feeds(adapter) : undefined;
    const out = await engine.model.forward(ids, engine.model.emptyCache(), feeds);
    const V = engine.model.vocabSize;
    const E = (out.lastHiddenState?.length ?? 0) / ids.length;
    return {
      logits: out.logits.subarray(out.logits.length - V),
      hidden: out.lastHiddenState?.subarray(out.lastHiddenState.length - E) ?? new Float32Array(),
    };
  }

  it('alternates two adapters per request on one session, each giving base + its hand-computed delta', async () => {
    const session = engine.model.session;
    const base = await logitsAndHidden();
    for (const id of ['alpha', 'beta', 'alpha', 'beta', 'alpha', 'beta']) {
      const a = adapters.get(id) as TestAdapter;
      const got = await logitsAndHidden(id);
      const w = a.weights.get('lm_head');
      if (!w) throw new Error('missing weights');
      const delta = loraDelta(base.hidden, w, a.alpha / a.rank);
      expect(Array.from(got.hidden)).toEqual(Array.from(base.hidden));
      let maxErr = 0;
      let maxDelta = 0;
      for (let v = 0; v < got.logits.length; v++) {
        maxErr = Math.max(
          maxErr,
          Math.abs((got.logits[v] as number) - (base.logits[v] as number) - (delta[v] as number)),
        );
        maxDelta = Math.max(maxDelta, Math.abs(delta[v] as number));
      }
      expect(maxDelta).toBeGreaterThan(0.5);
      expect(maxErr).toBeLessThan(1e-4);
    }
    expect(engine.model.session).toBe(session);
    expect(store.stats().loads).toBe(2);
    expect(store.stats().hits).toBe(4);
  });

  it('an adapter with B = 0 leaves the logits bitwise unchanged', async () => {
    const base = await logitsAndHidden();
    const zero = await logitsAndHidden('zero');
    expect(Array.from(zero.logits)).toEqual(Array.from(base.logits));
  });

  it('an adapter inside the layers changes generation, and requests pick it per id', async () => {
    const req = { prompt, maxTokens: 8, temperature: 0 };
    const plain = await engine.complete(req);
    const deep = await engine.complete({ ...req, adapter: 'deep' });
    const again = await engine.complete(req);
    expect(deep.logprobs).not.toEqual(plain.logprobs);
    expect(again).toEqual(plain);
    const scored = await engine.score({
      prompt,
      completionTokenIds: deep.tokenIds,
      adapter: 'deep',
    });
    expect(scored.tokens.map((t) => t.logprob)).toEqual(deep.logprobs);
  });

  it('refuses an unknown adapter with a clear error', async () => {
    await expect(engine.complete({ prompt, adapter: 'gamma' })).rejects.toMatchObject({
      code: InferenceErrorCode.UnknownAdapter,
      message: "unknown adapter 'gamma': it is not in the registry",
    });
  });

  it('keeps only what fits its byte budget, least recently used out first', async () => {
    const a = adapters.get('alpha') as TestAdapter;
    const b = adapters.get('beta') as TestAdapter;
    const small = new AdapterStore({
      inputs: engine.model.loraInputs,
      budgetBytes: (32 * 4 + 4 * 384) * 4 + 100,
      resolve: async (id) => ({ path: id === 'alpha' ? a.path : b.path }),
    });
    await small.feeds('alpha');
    await small.feeds('beta');
    expect(small.stats().cached.map((c) => c.id)).toEqual(['beta']);
    await small.feeds('alpha');
    expect(small.stats()).toMatchObject({ loads: 3, hits: 0 });
  });

  it('rejects an adapter whose shapes do not fit the base model', async () => {
    const wrong = await writeTestAdapter({
      dir,
      name: 'wrong',
      inputs: [{ target: 'lm_head', inDim: 16, outDim: 384 }],
      targets: ['lm_head'],
      rank: 2,
      alpha: 2,
      seed: 9,
    });
    const s = new AdapterStore({
      inputs: engine.model.loraInputs,
      budgetBytes: 1e6,
      resolve: async () => ({ path: wrong.path }),
    });
    await expect(s.feeds('wrong')).rejects.toMatchObject({ code: InferenceErrorCode.BadAdapter });
  });
});
