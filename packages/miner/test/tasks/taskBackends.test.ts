/**
 * The task backends over real HTTP: config -> buildTaskBackends -> buildMinerApp on loopback,
 * called with the protocol's Dendrite from a registered validator key; the models are the
 * inference package's tiny test models in real onnxruntime sessions.
 */
import { collectGeneration, type GenerationResult } from '@subnet/inference';
import { decodeImage, imageBytesFromBase64, imageHashes } from '@subnet/inference/image';
import { type ModelFixtures, modelsSection, writeModelFixtures } from '@subnet/inference/testing';
import { type Dendrite, parseSynapseFields, type Synapse } from '@subnet/protocol';
import {
  Chat,
  ClipEmbeddings,
  Completion,
  ControlNet,
  foldTextStream,
  ImageToImage,
  Inpaint,
  TextToImage,
  Upscale,
} from '@subnet/protocol/tasks';
import {
  EXAMPLE_IMAGE_B64,
  EXAMPLE_MASK_B64,
  EXAMPLE_SCRIBBLE_B64,
} from '@subnet/protocol/testing';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMinerConfig } from '../../src/config/loadConfig';
import { buildTaskBackends, type TaskBackends } from '../../src/tasks/buildTaskBackends';
import { type ServedMiner, startServedMiner } from './support/servedMiner';

let fixtures: ModelFixtures;
let tasks: TaskBackends;
let served: ServedMiner;
let dendrite: Dendrite;
let port: number;

const image = { steps: 2, cfg_scale: 2, width: 512, height: 512, model: 'tiny-sd' };

beforeAll(async () => {
  fixtures = await writeModelFixtures();
  const config = loadMinerConfig({
    flags: {
      netuid: '7',
      models: modelsSection(fixtures),
      tasks: {
        Chat: { models: ['tiny-llm'], volume: 10_000, loras: ['style'] },
        Completion: { models: ['tiny-llm'], volume: 10_000 },
        TextToImage: { models: ['tiny-sd'], volume: 100, loras: ['pixel'] },
        ImageToImage: { models: ['tiny-sd'], volume: 100 },
        Inpaint: { models: ['tiny-sd'], volume: 100 },
        ControlNet: { models: ['tiny-sd'], volume: 100 },
        Upscale: { models: ['tiny-x2'], volume: 100 },
        ClipEmbeddings: { models: ['tiny-clip'], volume: 100 },
      },
    },
  });
  const log = pino({ level: 'silent' });
  tasks = await buildTaskBackends(config, log, { env: {} });
  served = await startServedMiner(tasks);
  ({ port, dendrite } = served);
});

afterAll(async () => {
  await served?.close();
  await tasks?.close();
  await fixtures?.remove();
});

const target = () => served.target();

async function streamOf(def: typeof Chat | typeof Completion, input: Record<string, unknown>) {
  const events: Record<string, unknown>[] = [];
  const gen = dendrite.stream(target(), def, input as never);
  while (true) {
    const next = await gen.next();
    if (next.done) return { events, synapse: next.value };
    events.push(next.value as Record<string, unknown>);
  }
}

describe('Chat and Completion', () => {
  const chat = {
    messages: [
      { role: 'system' as const, content: 'You are terse.' },
      { role: 'user' as const, content: 'Tell me about the sea.' },
    ],
    // Settings under which top_p and top_k each change the sampled tokens of the tiny model.
    temperature: 1.3,
    top_p: 0.9,
    top_k: 3,
    max_tokens: 12,
    top_logprobs: 3,
    seed: 1234,
    model: 'tiny-llm',
  };

  it('streams the tokens and logprobs the engine generates for the same seed, alternatives as text', async () => {
    const { events, synapse } = await streamOf(Chat, chat);
    expect(synapse.dendrite.status_code).toBe(200);
    // The engine's own generation, asked directly with the same settings.
    const request = {
      messages: chat.messages,
      temperature: 1.3,
      topP: 0.9,
      topK: 3,
      maxTokens: 12,
      logprobs: 3,
      seed: 1234,
    };
    let local: GenerationResult | undefined;
    let decode: (id: number) => string = () => '';
    await tasks.catalog.use('tiny-llm', 'llm', async ({ engine }) => {
      local = await collectGeneration(engine.generate(request));
      decode = (id) => engine.tokenizer.decode([id], { skipSpecialTokens: false });
    });
    const want = local as GenerationResult;
    const tokens = events.filter((e) => e.type === 'token');
    expect(want.tokenIds.length).toBeGreaterThan(2);
    expect(tokens.length).toBe(want.tokenIds.length);
    expect(tokens.map((e) => e.token_id)).toEqual(want.tokenIds);
    expect(tokens.map((e) => e.logprob)).toEqual(want.logprobs);
    expect(tokens.map((e) => e.index)).toEqual(want.tokenIds.map((_, i) => i));
    expect(tokens.map((e) => e.top_logprobs)).toEqual(
      want.topLogprobs.map((alts) =>
        alts.map((a) => ({ token: decode(a.tokenId), logprob: a.logprob })),
      ),
    );
    expect(tokens.every((e) => (e.top_logprobs as unknown[]).length === 3)).toBe(true);
    expect(events.at(-1)).toEqual({
      type: 'done',
      finish_reason: want.finishReason,
      prompt_tokens: want.promptTokenIds.length,
      completion_tokens: want.tokenIds.length,
    });
    const folded = foldTextStream(events);
    expect(folded.text).toBe(want.text);
    expect(folded.error).toBeNull();
  });

  it('a served LoRA adapter goes through: the engine with that adapter, not the base model', async () => {
    const greedy = { ...chat, temperature: 0, max_tokens: 6, top_logprobs: 0 };
    const styled = await streamOf(Chat, { ...greedy, lora: 'style' });
    const base = await streamOf(Chat, greedy);
    let want: GenerationResult | undefined;
    await tasks.catalog.use('tiny-llm', 'llm', async ({ engine }) => {
      want = await collectGeneration(
        engine.generate({
          messages: chat.messages,
          temperature: 0,
          maxTokens: 6,
          seed: 1234,
          adapter: 'style',
        }),
      );
    });
    const logprobs = (events: Record<string, unknown>[]) =>
      events.filter((e) => e.type === 'token').map((e) => e.logprob);
    expect(logprobs(styled.events)).toEqual((want as GenerationResult).logprobs);
    expect(logprobs(styled.events)).not.toEqual(logprobs(base.events));
  });

  it('a prompt over the model context ends the stream with an error event', async () => {
    const { events, synapse } = await streamOf(Completion, {
      prompt: 'the sea '.repeat(200),
      max_tokens: 4,
      seed: 1,
      model: 'tiny-llm',
    });
    expect(synapse.dendrite.status_code).toBe(200);
    expect(events).toHaveLength(1);
    expect(events[0]?.type).toBe('error');
    expect(events[0]?.message).toMatch(/^the sequence has \d+ tokens; the model's context is 256$/);
  });

  it('another seed samples another completion', async () => {
    const a = await streamOf(Chat, chat);
    const b = await streamOf(Chat, { ...chat, seed: 99 });
    const ids = (events: Record<string, unknown>[]) =>
      events.filter((e) => e.type === 'token').map((e) => e.token_id);
    expect(ids(a.events)).not.toEqual(ids(b.events));
  });

  it('the task signal cancels generation: no more tokens and no done event', async () => {
    const handler = tasks.backends.Chat as NonNullable<TaskBackends['backends']['Chat']>;
    const abort = new AbortController();
    const synapse = parseSynapseFields(Chat, { ...chat, max_tokens: 200 }) as unknown as Synapse;
    const stream = handler(synapse, {
      signal: abort.signal,
      log: pino({ level: 'silent' }),
    }) as AsyncIterable<Record<string, unknown>>;
    const seen: Record<string, unknown>[] = [];
    for await (const event of stream) {
      seen.push(event);
      if (seen.length === 2) abort.abort(new Error('validator disconnected'));
    }
    expect(seen.map((e) => [e.type, e.index])).toEqual([
      ['token', 0],
      ['token', 1],
    ]);
  });

  it('Completion runs the raw prompt and stops at max_tokens', async () => {
    const { events } = await streamOf(Completion, {
      prompt: 'the sea is',
      temperature: 0,
      max_tokens: 4,
      top_logprobs: 0,
      seed: 1,
      model: 'tiny-llm',
    });
    const done = events.at(-1) as Record<string, unknown>;
    expect(done.type).toBe('done');
    expect(events.filter((e) => e.type === 'token').length).toBe(done.completion_tokens);
    expect(events.filter((e) => e.type === 'token').every((e) => e.top_logprobs)).toBe(true);
  });

  it('an unknown adapter id is a 400 naming the adapter, before any token', async () => {
    const { events, synapse } = await streamOf(Chat, { ...chat, lora: 'pirate-style' });
    expect(events).toEqual([]);
    expect(synapse.dendrite.status_code).toBe(400);
    expect(synapse.dendrite.status_message).toBe(
      "unknown adapter 'pirate-style' for Chat (served: style)",
    );
  });

  it('a model this miner does not serve is a 400 naming the served ones', async () => {
    const { synapse } = await streamOf(Chat, { ...chat, model: 'llama-3-8b' });
    expect(synapse.dendrite.status_code).toBe(400);
    expect(synapse.dendrite.status_message).toBe(
      "model 'llama-3-8b' is not served for Chat here (served: tiny-llm)",
    );
  });
});

describe('image tasks', () => {
  const t2i = { prompt: 'a lighthouse at dusk', seed: 42, ...image };

  it('the same TextToImage twice gives the same PNG and hashes; another seed differs', async () => {
    const a = await dendrite.call(target(), TextToImage, t2i);
    const b = await dendrite.call(target(), TextToImage, t2i);
    const c = await dendrite.call(target(), TextToImage, { ...t2i, seed: 43 });
    expect(a.dendrite.status_code).toBe(200);
    expect(a.image_b64?.length).toBeGreaterThan(1000);
    expect(b.image_b64).toBe(a.image_b64);
    expect(b.image_hashes).toEqual(a.image_hashes);
    expect(c.image_b64).not.toBe(a.image_b64);
    expect(c.image_hashes).not.toEqual(a.image_hashes);
    // What a validator recomputes from the PNG.
    const decoded = await decodeImage(imageBytesFromBase64(a.image_b64 as string), {
      maxPixels: 512 * 512,
    });
    expect(decoded.width).toBe(512);
    expect(a.image_hashes).toEqual(imageHashes(decoded));
    expect(a.clip_embedding?.length).toBe(16);
    expect(Math.hypot(...(a.clip_embedding as number[]))).toBeCloseTo(1, 6);
    expect(typeof a.is_nsfw).toBe('boolean');
    // ClipEmbeddings of the same PNG gives the embedding the image task reported.
    const e = await dendrite.call(target(), ClipEmbeddings, {
      image_b64s: [a.image_b64 as string],
      model: 'tiny-clip',
    });
    expect(e.clip_embeddings?.[0]).toEqual(a.clip_embedding);
  });

  it('a served LoRA adapter changes the image, reproducibly; an unknown one is a 400', async () => {
    const plain = await dendrite.call(target(), TextToImage, t2i);
    const a = await dendrite.call(target(), TextToImage, { ...t2i, lora: 'pixel' });
    const b = await dendrite.call(target(), TextToImage, { ...t2i, lora: 'pixel' });
    expect(a.dendrite.status_code).toBe(200);
    expect(b.image_b64).toBe(a.image_b64);
    expect(a.image_b64).not.toBe(plain.image_b64);
    const unknown = await dendrite.call(target(), TextToImage, { ...t2i, lora: 'watercolor' });
    expect(unknown.dendrite.status_code).toBe(400);
    expect(unknown.dendrite.status_message).toBe(
      "unknown adapter 'watercolor' for TextToImage (served: pixel)",
    );
  });

  it('ImageToImage, Inpaint and ControlNet run on the pipeline', async () => {
    const i2i = await dendrite.call(target(), ImageToImage, {
      ...t2i,
      init_image: EXAMPLE_IMAGE_B64,
      image_strength: 0.5,
    });
    const inpaint = await dendrite.call(target(), Inpaint, {
      ...t2i,
      init_image: EXAMPLE_IMAGE_B64,
      mask_image: EXAMPLE_MASK_B64,
    });
    const control = await dendrite.call(target(), ControlNet, {
      ...t2i,
      control_image: EXAMPLE_SCRIBBLE_B64,
    });
    const plain = await dendrite.call(target(), TextToImage, t2i);
    for (const r of [i2i, inpaint, control]) {
      expect(r.dendrite.status_code).toBe(200);
      expect(r.image_hashes).toBeDefined();
      expect(r.image_b64).not.toBe(plain.image_b64);
    }
  });

  it('an input image over the pixel limit is 413, a corrupt one 400', async () => {
    const big = await sharp({
      create: { width: 2100, height: 2100, channels: 3, background: '#204060' },
    })
      .png()
      .toBuffer();
    const over = await dendrite.call(target(), ImageToImage, {
      ...t2i,
      init_image: big.toString('base64'),
    });
    expect(over.dendrite.status_code).toBe(413);
    expect(over.dendrite.status_message).toBe(
      'the image is 2100x2100 = 4410000 pixels; at most 4194304 are accepted',
    );
    const corrupt = await dendrite.call(target(), Inpaint, {
      ...t2i,
      init_image: EXAMPLE_IMAGE_B64.slice(0, 40),
      mask_image: EXAMPLE_MASK_B64,
    });
    expect(corrupt.dendrite.status_code).toBe(400);
    expect(corrupt.dendrite.status_message).toMatch(/^the image cannot be (read|decoded): /);
  });

  it('Upscale doubles the image and reports its hashes', async () => {
    const r = await dendrite.call(target(), Upscale, {
      image: EXAMPLE_IMAGE_B64,
      model: 'tiny-x2',
    });
    expect(r.dendrite.status_code).toBe(200);
    const out = await decodeImage(imageBytesFromBase64(r.image_b64 as string), {
      maxPixels: 1 << 20,
    });
    expect([out.width, out.height]).toEqual([16, 16]);
    expect(r.image_hashes).toEqual(imageHashes(out));
  });

  it('ClipEmbeddings gives one unit-length vector per image', async () => {
    const r = await dendrite.call(target(), ClipEmbeddings, {
      image_b64s: [EXAMPLE_IMAGE_B64, EXAMPLE_MASK_B64, EXAMPLE_SCRIBBLE_B64],
      model: 'tiny-clip',
    });
    expect(r.dendrite.status_code).toBe(200);
    const vectors = r.clip_embeddings as number[][];
    expect(vectors.map((v) => v.length)).toEqual([16, 16, 16]);
    for (const v of vectors) expect(Math.abs(Math.hypot(...v) - 1)).toBeLessThan(1e-6);
    expect(vectors[0]).not.toEqual(vectors[1]);
  });
});

describe('metrics', () => {
  it('miner_model_loaded lists each loaded model on its device', async () => {
    const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
    const lines = text.split('\n').filter((l) => l.startsWith('miner_model_loaded{'));
    expect(lines.sort()).toEqual([
      'miner_model_loaded{model="tiny-clip",device="cpu"} 1',
      'miner_model_loaded{model="tiny-llm",device="cpu"} 1',
      'miner_model_loaded{model="tiny-nsfw",device="cpu"} 1',
      'miner_model_loaded{model="tiny-sd",device="cpu"} 1',
      'miner_model_loaded{model="tiny-x2",device="cpu"} 1',
    ]);
  });
});
