import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceErrorCode } from '../errors';
import type { LlmEngine } from '../llm/llmEngine';
import type { Logger } from '../log';
import { loraDelta, type TestAdapter, writeTestAdapter } from '../testing/loraFixtures';
import { createTinyLlm } from '../testing/tinyLlm';
import { AdapterStore } from './adapterStore';
import { writeSafetensors } from './safetensors';

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

describe('AdapterStore locations: PEFT folders, files, explicit alpha', () => {
  let dir: string;
  const inputs = [{ target: 'lm_head', inDim: 2, outDim: 2 }];
  // lora_A [1, 2] = [1, 2], lora_B [2, 1] = [3, -1]: the B feed is scale · [3, -1].
  const weights = writeSafetensors(
    new Map([
      ['base_model.model.lm_head.lora_A.weight', { shape: [1, 2], data: Float32Array.of(1, 2) }],
      ['base_model.model.lm_head.lora_B.weight', { shape: [2, 1], data: Float32Array.of(3, -1) }],
    ]),
    { lora_alpha: '5' },
  );
  const peftConfig = { peft_type: 'LORA', r: 1, lora_alpha: 4, use_rslora: false };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peft-'));
    await mkdir(join(dir, 'folder'));
    await writeFile(join(dir, 'folder', 'adapter_model.safetensors'), weights);
    await writeFile(join(dir, 'folder', 'adapter_config.json'), JSON.stringify(peftConfig));
    await writeFile(join(dir, 'plain.safetensors'), weights);
    await mkdir(join(dir, 'no-config'));
    await writeFile(join(dir, 'no-config', 'adapter_model.safetensors'), weights);
    await mkdir(join(dir, 'broken'));
    await writeFile(join(dir, 'broken', 'adapter_model.safetensors'), weights);
    await writeFile(join(dir, 'broken', 'adapter_config.json'), '{"r": 1,');
    await writeFile(join(dir, 'dora.json'), JSON.stringify({ ...peftConfig, use_dora: true }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const storeOf = (
    where: Record<string, { path: string; alpha?: number; config?: string }>,
    logger?: Logger,
  ) =>
    new AdapterStore({
      inputs,
      budgetBytes: 1 << 20,
      resolve: async (id) => where[id],
      ...(logger ? { logger } : {}),
    });
  const bFeed = async (store: AdapterStore, id: string) =>
    Array.from((await store.feeds(id)).get('lora.lm_head.B')?.data as Float32Array);

  it('reads a PEFT save folder: weights and adapter_config.json inside, and logs what it applied', async () => {
    const records: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => records.push(JSON.parse(l)) });
    const store = storeOf({ peft: { path: join(dir, 'folder') } }, logger);
    expect(await bFeed(store, 'peft')).toEqual([12, -4]);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      msg: 'adapter loaded',
      adapter: 'peft',
      file: join(dir, 'folder', 'adapter_model.safetensors'),
      config: join(dir, 'folder', 'adapter_config.json'),
      r: 1,
      alpha: 4,
      alphaSource: 'adapter_config.json',
      rslora: false,
      scales: [4],
      targets: 1,
    });
  });

  it('keeps the {path, alpha} shape: an explicit alpha wins, a lone file uses its metadata', async () => {
    const store = storeOf({
      strong: { path: join(dir, 'folder'), alpha: 2 },
      file: { path: join(dir, 'plain.safetensors') },
      fileAlpha: { path: join(dir, 'plain.safetensors'), alpha: 0.5 },
      sibling: { path: join(dir, 'folder', 'adapter_model.safetensors') },
      given: {
        path: join(dir, 'plain.safetensors'),
        config: join(dir, 'folder', 'adapter_config.json'),
      },
    });
    expect(await bFeed(store, 'strong')).toEqual([6, -2]);
    expect(await bFeed(store, 'file')).toEqual([15, -5]);
    expect(await bFeed(store, 'fileAlpha')).toEqual([1.5, -0.5]);
    expect(await bFeed(store, 'sibling')).toEqual([12, -4]);
    expect(await bFeed(store, 'given')).toEqual([12, -4]);
  });

  it('refuses a folder without adapter_config.json, a malformed one and a DoRA config, naming the file', async () => {
    const store = storeOf({
      none: { path: join(dir, 'no-config') },
      broken: { path: join(dir, 'broken') },
      dora: { path: join(dir, 'plain.safetensors'), config: join(dir, 'dora.json') },
      notPulled: { path: join(dir, 'plain.safetensors'), config: join(dir, 'absent.json') },
    });
    await expect(store.feeds('notPulled')).rejects.toMatchObject({
      code: InferenceErrorCode.ModelNotDownloaded,
      message: `adapter 'notPulled' has no adapter_config.json at ${join(dir, 'absent.json')}; pull it first`,
    });
    await expect(store.feeds('none')).rejects.toMatchObject({
      code: InferenceErrorCode.BadAdapter,
      message: `adapter 'none' cannot be used: ${join(dir, 'no-config', 'adapter_config.json')} is missing (a PEFT folder holds adapter_model.safetensors and adapter_config.json)`,
    });
    await expect(store.feeds('broken')).rejects.toMatchObject({
      code: InferenceErrorCode.BadAdapter,
      message: expect.stringContaining(
        `${join(dir, 'broken', 'adapter_config.json')}: is not valid JSON`,
      ),
    });
    await expect(store.feeds('dora')).rejects.toMatchObject({
      code: InferenceErrorCode.BadAdapter,
      message: `${join(dir, 'dora.json')}: use_dora is true: DoRA (weight-decomposed LoRA) cannot be applied by this runtime`,
    });
  });
});
