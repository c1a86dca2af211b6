/**
 * A crashed model is reloaded; the daemon keeps serving other tasks. Real onnxruntime sessions on
 * the tiny test models behind the axon on loopback: a model's session is released under it (what
 * a crashed backend looks like to the miner) and its file is made unreadable, so the first reloads
 * fail; it answers 503 with the reason meanwhile, another task answers 200 the whole time, and once
 * the file is back the reload succeeds and the model answers as before.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ModelFixtures, modelsSection, writeModelFixtures } from '@subnet/inference/testing';
import type { Dendrite } from '@subnet/protocol';
import { Chat, ClipEmbeddings, TextToImage, Upscale } from '@subnet/protocol/tasks';
import { EXAMPLE_IMAGE_B64, EXAMPLE_MASK_B64 } from '@subnet/protocol/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMinerConfig } from '../../src/config/loadConfig';
import { buildTaskBackends, type TaskBackends } from '../../src/tasks/buildTaskBackends';
import { type ServedMiner, startServedMiner } from './support/servedMiner';

let fixtures: ModelFixtures;
let tasks: TaskBackends;
let served: ServedMiner;
let dendrite: Dendrite;
let port: number;

beforeAll(async () => {
  fixtures = await writeModelFixtures();
  const config = loadMinerConfig({
    flags: {
      netuid: '7',
      models: { ...modelsSection(fixtures), reload: { backoff_ms: '20', max_backoff_ms: '200' } },
      tasks: {
        Upscale: { models: ['tiny-x2'], volume: 100 },
        ClipEmbeddings: { models: ['tiny-clip'], volume: 100 },
        Chat: { models: ['tiny-llm'], volume: 1000 },
        TextToImage: { models: ['tiny-sd-plain', 'tiny-sd'], volume: 100 },
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

/** The value of one metric line, 0 when it is not there yet. */
async function metric(line: string): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : 0;
}

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 10));
}

const upscale = () =>
  dendrite.call(target(), Upscale, { image: EXAMPLE_IMAGE_B64, model: 'tiny-x2' });
const embed = () =>
  dendrite.call(target(), ClipEmbeddings, {
    image_b64s: [EXAMPLE_IMAGE_B64, EXAMPLE_MASK_B64],
    model: 'tiny-clip',
  });

async function chat() {
  const events: Record<string, unknown>[] = [];
  const gen = dendrite.stream(target(), Chat, {
    messages: [{ role: 'user', content: 'Tell me about the sea.' }],
    temperature: 0,
    max_tokens: 5,
    top_logprobs: 0,
    seed: 7,
    model: 'tiny-llm',
  });
  while (true) {
    const next = await gen.next();
    if (next.done) return { events, synapse: next.value };
    events.push(next.value as Record<string, unknown>);
  }
}

describe('a crashed model is reloaded while the other tasks keep serving', () => {
  it('Upscale: 503 with the reason while its model is broken, ClipEmbeddings 200 meanwhile, then 200 again after the reload', async () => {
    const before = await upscale();
    const clipBefore = await embed();
    expect(before.dendrite.status_code).toBe(200);
    expect(clipBefore.dendrite.status_code).toBe(200);

    // Break the model: its file becomes unreadable (so reloads fail until it is back) and its live
    // onnxruntime session is released under the backend.
    const file = readFileSync(fixtures.upscaler);
    writeFileSync(fixtures.upscaler, file.subarray(0, 100));
    await tasks.catalog.use('tiny-x2', 'upscaler', async ({ session }) => session.release());

    const failed = await upscale();
    expect({ code: failed.dendrite.status_code, message: failed.dendrite.status_message }).toEqual({
      code: 503,
      message: "model 'tiny-x2' failed (Session already disposed.); it is being reloaded",
    });
    // Reload attempts fail on the broken file, again and again with backoff.
    await until(
      async () =>
        (await metric('miner_model_reloads_total{model="tiny-x2",outcome="failed"}')) >= 2,
    );
    const meanwhile = await upscale();
    expect({
      code: meanwhile.dendrite.status_code,
      message: meanwhile.dendrite.status_message,
    }).toEqual({
      code: 503,
      message:
        "model 'tiny-x2' is being reloaded after a failure (Session already disposed.); try again later",
    });
    const clipMeanwhile = await embed();
    expect(clipMeanwhile.dendrite.status_code).toBe(200);
    expect(clipMeanwhile.clip_embeddings).toEqual(clipBefore.clip_embeddings);
    expect(await metric('miner_model_loaded{model="tiny-x2",device="cpu"}')).toBe(0);
    expect(await metric('miner_model_broken{model="tiny-x2"}')).toBe(1);

    // The file is back: the next attempt loads it, and the model answers as before.
    writeFileSync(fixtures.upscaler, file);
    await until(
      async () => (await metric('miner_model_reloads_total{model="tiny-x2",outcome="ok"}')) === 1,
    );
    const after = await upscale();
    expect(after.dendrite.status_code).toBe(200);
    expect(after.image_b64).toBe(before.image_b64);
    expect(after.image_hashes).toEqual(before.image_hashes);
    expect(await metric('miner_model_failures_total{model="tiny-x2"}')).toBe(1);
    expect(await metric('miner_model_broken{model="tiny-x2"}')).toBe(0);
    expect(await metric('miner_model_loaded{model="tiny-x2",device="cpu"}')).toBe(1);
    expect(await metric('miner_model_failures_total{model="tiny-clip"}')).toBe(0);
  });

  it('TextToImage: a broken NSFW model of the image model is named in its 503s until reloaded, and only it is marked; an image model without it keeps serving', async () => {
    const t2i = {
      prompt: 'a lighthouse',
      steps: 2,
      cfg_scale: 2,
      width: 512,
      height: 512,
      seed: 4,
    };
    const image = (model: string) => dendrite.call(target(), TextToImage, { ...t2i, model });
    const before = await image('tiny-sd');
    expect(before.dendrite.status_code).toBe(200);
    const file = readFileSync(fixtures.nsfw);
    writeFileSync(fixtures.nsfw, file.subarray(0, 100));
    await tasks.catalog.use('tiny-nsfw', 'nsfw', async ({ session }) => session.release());

    const failed = await image('tiny-sd');
    expect(failed.dendrite.status_message).toBe(
      "model 'tiny-nsfw' failed (Session already disposed.); it is being reloaded",
    );
    const refused = await image('tiny-sd');
    expect({
      code: refused.dendrite.status_code,
      message: refused.dendrite.status_message,
    }).toEqual({
      code: 503,
      message:
        "model 'tiny-nsfw' is being reloaded after a failure (Session already disposed.); try again later",
    });
    // Only the NSFW model is out of service: the image model itself was not marked.
    expect(tasks.catalog.brokenModels()).toEqual(['tiny-nsfw']);
    const plain = await image('tiny-sd-plain');
    expect(plain.dendrite.status_code).toBe(200);

    writeFileSync(fixtures.nsfw, file);
    await until(
      async () => (await metric('miner_model_reloads_total{model="tiny-nsfw",outcome="ok"}')) === 1,
    );
    const after = await image('tiny-sd');
    expect(after.dendrite.status_code).toBe(200);
    expect(after.image_b64).toBe(before.image_b64);
    expect(after.is_nsfw).toBe(before.is_nsfw);
  });

  it('Chat: a stream that breaks ends with an error event, the next Chat is a 503 before any token, and after the reload the same tokens as before', async () => {
    const before = await chat();
    expect(before.synapse.dendrite.status_code).toBe(200);
    expect(before.events.at(-1)?.type).toBe('done');

    const weights = join(fixtures.cacheDir, 'models', 'tiny-llm', 'model.onnx');
    const file = readFileSync(weights);
    writeFileSync(weights, file.subarray(0, 100));
    await tasks.catalog.use('tiny-llm', 'llm', async ({ engine }) =>
      engine.model.session.release(),
    );
    const broken = await chat();
    expect(broken.synapse.dendrite.status_code).toBe(200);
    expect(broken.events).toEqual([
      {
        type: 'error',
        message: "model 'tiny-llm' failed (Session already disposed.); it is being reloaded",
      },
    ]);
    const refused = await chat();
    expect(refused.events).toEqual([]);
    expect({
      code: refused.synapse.dendrite.status_code,
      message: refused.synapse.dendrite.status_message,
    }).toEqual({
      code: 503,
      message:
        "model 'tiny-llm' is being reloaded after a failure (Session already disposed.); try again later",
    });
    writeFileSync(weights, file);
    await until(
      async () => (await metric('miner_model_reloads_total{model="tiny-llm",outcome="ok"}')) === 1,
    );
    const after = await chat();
    expect(after.events).toEqual(before.events);
    expect(await metric('miner_model_failures_total{model="tiny-llm"}')).toBe(1);
  });
});
