// The organic API over real HTTP: API keys (401, 429 with Retry-After, usage), bodies checked
// against the task bounds (400 naming the field), chat and completions whole and streamed as
// OpenAI chunks, an image endpoint, and the OpenAPI document. Miners are reached through the
// protocol's dendrite; the miner here is the protocol's real loopback test axon.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32, deflateSync } from 'node:zlib';
import type { Metagraph } from '@subnet/chain';
import { Dendrite, type Synapse } from '@subnet/protocol';
import {
  Chat,
  Completion,
  ImageToImage,
  Inpaint,
  type TaskKind,
  TextToImage,
  Uncrop,
  Upscale,
} from '@subnet/protocol/tasks';
import {
  createTestAxon,
  devHotkey,
  EXAMPLE_IMAGE_B64,
  type TestAxon,
} from '@subnet/protocol/testing';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiApp, DendriteGateway } from '../src/api/index';
import { ApiKeys } from '../src/apiKeys/index';
import { openStorage, type Storage } from '../src/storage/index';
import { type EngineHarness, engineHarness } from '../src/storage/testing/index';
import { planPeriod, takeQuery } from '../src/work/index';
import { streamTokens } from './support/streamTokens';
import { loopbackNeuron } from './support/testHelpers';

const NOW = 1_790_000_000_000;
let metagraph: Metagraph;
const TOKENS = ['Hello', ',', ' world'];
let harness: EngineHarness;
let storage: Storage;
let keys: ApiKeys;
let axon: TestAxon | undefined;
let app: FastifyInstance;
let dendrite: Dendrite;
let base: string;
let secret: string;
let keyId: string;
const received: Synapse[] = [];

const neuron = (uid: number, hotkey: string, port: number) =>
  loopbackNeuron(uid, hotkey, port, uid === 0);

async function startAxon(): Promise<number> {
  const started = await createTestAxon({
    hotkey: await devHotkey('charlie'),
    synapses: [Chat, Completion, TextToImage, ImageToImage, Inpaint, Uncrop, Upscale],
    uuid: 'axon-test-uuid',
    serve: ({ def, synapse }) => {
      // A copy: the axon merges its answer's fields into `synapse` after this.
      received.push({ ...synapse });
      if (def.streaming) {
        const chat = synapse as Synapse & { messages?: Array<{ content: string }> };
        // A miner that stops after one token, without its done event.
        if (chat.messages?.[0]?.content === 'cut') return { events: cutAfterOneToken() };
        return { events: streamTokens(TOKENS, 7) };
      }
      return { fields: { image_b64: EXAMPLE_IMAGE_B64, is_nsfw: false } };
    },
  });
  axon = started;
  return started.port;
}

async function* cutAfterOneToken(): AsyncGenerator<unknown> {
  yield { type: 'token', index: 0, token: 'Hel', logprob: -0.5, top_logprobs: [] };
}

beforeAll(async () => {
  harness = engineHarness('pglite');
  storage = await openStorage(await harness.freshConfig());
  keys = new ApiKeys(storage.apiKeys);
  const created = await keys.createKey('client', 100);
  secret = created.secret;
  keyId = created.id;
  const port = await startAxon();
  const [validator, miner] = await Promise.all([devHotkey('bob'), devHotkey('charlie')]);
  // A closed port first: the gateway falls back to the next miner.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const dave = await devHotkey('dave');
  metagraph = {
    netuid: 1,
    block: 10,
    blockHash: '0x00',
    n: 3,
    neurons: [
      neuron(0, validator.address, 9),
      neuron(1, dave.address, closedPort),
      neuron(2, miner.address, port),
    ],
    source: 'storage',
  };
  dendrite = new Dendrite({ hotkey: validator });
  const logger = pino({ level: 'silent' });
  app = buildApiApp({
    apiKeys: keys,
    gateway: new DendriteGateway({
      dendrite,
      metagraph: () => metagraph,
      selfHotkey: validator.address,
      logger,
    }),
    models: [
      { id: 'tiny-llm', kind: 'text' },
      { id: 'sdxl-base', kind: 'image' },
      { id: 'flux-schnell', kind: 'image' },
    ],
    unguided: (model) => model === 'flux-schnell',
    logger,
    seed: () => 42,
    now: () => NOW,
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await dendrite?.close();
  await axon?.close();
  await storage?.close();
  await harness?.close();
});

function post(path: string, body: unknown, key: string | null = secret): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify(body),
  });
}

const CHAT = {
  model: 'tiny-llm',
  messages: [{ role: 'user', content: 'Say hello' }],
  max_tokens: 16,
};

describe('API keys', () => {
  it('answers 401 without a key, with an unknown key and with a revoked key', async () => {
    const none = await post('/v1/chat/completions', CHAT, null);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      error: {
        message: 'missing API key: send Authorization: Bearer <key>',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
    const unknown = await post(
      '/v1/chat/completions',
      CHAT,
      'sn_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    );
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe(
      'invalid API key',
    );
    const revoked = await keys.createKey('revoked', 10);
    await keys.revokeKey(revoked.id);
    const r = await post('/v1/chat/completions', CHAT, revoked.secret);
    expect(r.status).toBe(401);
    expect(((await r.json()) as { error: { message: string } }).error.message).toBe(
      'this API key was revoked',
    );
    expect(received).toEqual([]);
  });

  it('answers 429 with Retry-After once a key is over its rate limit', async () => {
    const tight = await keys.createKey('tight', 1);
    expect(
      (await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${tight.secret}` } }))
        .status,
    ).toBe(200);
    const refused = await fetch(`${base}/v1/models`, {
      headers: { authorization: `Bearer ${tight.secret}` },
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(((await refused.json()) as { error: { type: string } }).error.type).toBe(
      'rate_limit_error',
    );
  });
});

describe('validation', () => {
  it('answers 400 naming the field against the task bounds', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['/v1/chat/completions', { ...CHAT, messages: [] }, 'messages'],
      ['/v1/chat/completions', { ...CHAT, temperature: 99 }, 'temperature'],
      [
        '/v1/chat/completions',
        { ...CHAT, messages: [{ role: 'robot', content: 'x' }] },
        'messages.0.role',
      ],
      ['/v1/completions', { model: 'tiny-llm', prompt: '' }, 'prompt'],
      ['/v1/text-to-image', { prompt: 'a cat', model: 'sdxl-base', width: 1000 }, 'width'],
      ['/v1/text-to-image', { prompt: 'a cat', model: 'sdxl-base', extra: 1 }, '(body)'],
    ];
    for (const [path, body, param] of cases) {
      const r = await post(path, body);
      expect(r.status, `${path} ${param}`).toBe(400);
      const json = (await r.json()) as { error: { param: string; message: string; type: string } };
      expect(json.error.param).toBe(param);
      expect(json.error.type).toBe('invalid_request_error');
      expect(json.error.message.startsWith(`${param}: `)).toBe(true);
    }
  });
});

/** A PNG of one flat colour: 8-bit RGB (2) or RGBA (6), written here so no image library decides. */
function flatPng(width: number, height: number, colorType: 2 | 6): string {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, colorType, 0, 0, 0], 8);
  const row = 1 + width * (colorType === 6 ? 4 : 3);
  const raw = Buffer.alloc(row * height, 0x80);
  for (let y = 0; y < height; y++) raw[y * row] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]).toString('base64');
}

describe('uncrop', () => {
  const UNCROP = { prompt: 'more sky', model: 'sdxl-base', image: flatPng(64, 64, 2) };

  it('answers 400 naming the field for what only the image header shows', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ image: flatPng(64, 64, 6), extend_top: 64 }, 'image', /^image: has an alpha channel/],
      [
        { image: flatPng(60, 64, 2), extend_top: 64 },
        'image',
        /^image: is 60x64; uncrop needs both sides to be multiples of 8/,
      ],
      [{}, 'extend_left', /^extend_left: every side is extended by 0 pixels/],
      [
        { image: flatPng(1024, 1024, 2), extend_left: 256, extend_right: 512 },
        'extend_right',
        /^extend_right: the canvas would be 1792x1024 = 1835008 pixels; at most 1806336/,
      ],
      [
        { image: flatPng(8, 1024, 2), extend_top: 512, extend_bottom: 520 },
        'extend_bottom',
        /^extend_bottom: Too big: expected number to be <=512$/,
      ],
      [
        { image: flatPng(8, 1536, 2), extend_top: 512, extend_bottom: 8 },
        'extend_top',
        /^extend_top: the canvas would be 2056 pixels high; at most 2048/,
      ],
      [{ extend_top: 12 }, 'extend_top', /^extend_top: must be a multiple of 8$/],
      [
        { extend_top: 8, extend_bottom: 64 },
        'extend_bottom',
        /^extend_bottom: the canvas would be 136 pixels high; its sides must be multiples of 64, so extend_top \+ extend_bottom must total 128 or 64, not 72$/,
      ],
      [{ image: 'iVBORw0KGgo=', extend_top: 8 }, 'image', /^image: the image cannot be read/],
      [{ width: 512, extend_top: 8 }, '(body)', /^\(body\): /],
    ];
    const before = received.length;
    for (const [change, param, message] of cases) {
      const r = await post('/v1/uncrop', { ...UNCROP, ...change });
      const json = (await r.json()) as { error: { param: string; message: string } };
      expect({ status: r.status, param: json.error.param }).toEqual({ status: 400, param });
      expect(json.error.message).toMatch(message);
    }
    // Refused before any miner was asked.
    expect(received.length).toBe(before);
  });

  it('sends a valid uncrop to the miner with the seed the validator chose', async () => {
    const r = await post('/v1/uncrop', { ...UNCROP, extend_right: 64, extend_bottom: 64 });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { image_b64: string }).image_b64).toBe(EXAMPLE_IMAGE_B64);
    expect(received.at(-1)).toMatchObject({
      name: 'Uncrop',
      image: UNCROP.image,
      extend_left: 0,
      extend_right: 64,
      extend_top: 0,
      extend_bottom: 64,
      seed: 42,
    });
  });
});

describe('text', () => {
  it('answers a chat completion whole, through the miner, with the seed the validator chose', async () => {
    received.length = 0;
    const r = await post('/v1/chat/completions', CHAT);
    expect(r.status).toBe(200);
    const json = (await r.json()) as Record<string, unknown>;
    expect(json.id).toMatch(/^chatcmpl-[0-9a-f-]{36}$/);
    expect({ ...json, id: 'x' }).toEqual({
      id: 'x',
      object: 'chat.completion',
      created: NOW / 1000,
      model: 'tiny-llm',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello, world' },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
    });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      name: 'Chat',
      seed: 42,
      model: 'tiny-llm',
      max_tokens: 16,
      messages: CHAT.messages,
    });
  });

  it('streams a chat completion as OpenAI chunks read as SSE', async () => {
    const r = await post('/v1/chat/completions', { ...CHAT, stream: true, seed: 7 });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    const text = await r.text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events
      .slice(0, -1)
      .map((e) => JSON.parse(e.replace(/^data: /, '')) as Record<string, unknown>);
    const id = chunks[0]?.id;
    expect(id).toMatch(/^chatcmpl-/);
    const meta = { id, object: 'chat.completion.chunk', created: NOW / 1000, model: 'tiny-llm' };
    const choice = (delta: object, finish: string | null) => ({
      ...meta,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    expect(chunks).toEqual([
      choice({ role: 'assistant', content: '' }, null),
      choice({ content: 'Hello' }, null),
      choice({ content: ',' }, null),
      choice({ content: ' world' }, null),
      choice({}, 'stop'),
    ]);
    expect(received.at(-1)).toMatchObject({ name: 'Chat', seed: 7 });
  });

  it('answers and streams text completions', async () => {
    const whole = await post('/v1/completions', { model: 'tiny-llm', prompt: 'Once' });
    const json = (await whole.json()) as Record<string, unknown>;
    expect({ ...json, id: 'x' }).toEqual({
      id: 'x',
      object: 'text_completion',
      created: NOW / 1000,
      model: 'tiny-llm',
      choices: [{ index: 0, text: 'Hello, world', logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
    });
    const streamed = await post('/v1/completions', {
      model: 'tiny-llm',
      prompt: 'Once',
      stream: true,
    });
    const texts = (await streamed.text())
      .split('\n\n')
      .filter((e) => e && e !== 'data: [DONE]')
      .map(
        (e) =>
          (
            JSON.parse(e.slice(6)) as {
              choices: Array<{ text: string; finish_reason: string | null }>;
            }
          ).choices[0],
      );
    expect(texts).toEqual([
      { index: 0, text: 'Hello', logprobs: null, finish_reason: null },
      { index: 0, text: ',', logprobs: null, finish_reason: null },
      { index: 0, text: ' world', logprobs: null, finish_reason: null },
      { index: 0, text: '', logprobs: null, finish_reason: 'stop' },
    ]);
    expect(received.at(-1)).toMatchObject({ name: 'Completion', prompt: 'Once' });
  });
});

describe('miner failures', () => {
  it('answers 502 when the miner cuts its stream, and 503 when no miner serves', async () => {
    const cut = await post('/v1/chat/completions', {
      ...CHAT,
      messages: [{ role: 'user', content: 'cut' }],
    });
    expect(cut.status).toBe(502);
    expect(await cut.json()).toEqual({
      error: {
        message: "the miner failed: the miner's stream ended early (200 Success)",
        type: 'upstream_error',
        param: null,
        code: null,
      },
    });
    const logger = pino({ level: 'silent' });
    const empty = buildApiApp({
      apiKeys: keys,
      gateway: new DendriteGateway({
        dendrite,
        metagraph: () => undefined,
        selfHotkey: '',
        logger,
      }),
      models: [],
      logger,
    });
    const r = await empty.inject({
      method: 'POST',
      url: '/v1/text-to-image',
      headers: { authorization: `Bearer ${secret}` },
      payload: { prompt: 'a cat', model: 'sdxl-base' },
    });
    await empty.close();
    expect(r.statusCode).toBe(503);
    expect(r.json()).toEqual({
      error: {
        message: 'no miner could answer; try again',
        type: 'service_unavailable',
        param: null,
        code: null,
      },
    });
  });
});

describe('images and documents', () => {
  it('generates an image through the miner', async () => {
    const r = await post('/v1/text-to-image', {
      prompt: 'a lighthouse',
      model: 'sdxl-base',
      width: 512,
      height: 512,
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({
      created: NOW / 1000,
      model: 'sdxl-base',
      seed: 42,
      image_b64: EXAMPLE_IMAGE_B64,
      image_hashes: null,
      is_nsfw: false,
    });
    expect(received.at(-1)).toMatchObject({
      name: 'TextToImage',
      prompt: 'a lighthouse',
      seed: 42,
      width: 512,
    });
  });

  it('runs a model without a guidance embedding at cfg_scale 1; asking for more is a 400 naming it', async () => {
    const asked = await post('/v1/text-to-image', {
      prompt: 'a lighthouse',
      model: 'flux-schnell',
      cfg_scale: 3.5,
    });
    expect(asked.status).toBe(400);
    expect(((await asked.json()) as { error: unknown }).error).toEqual({
      message:
        "cfg_scale: model 'flux-schnell' has no guidance embedding, so it runs without guidance; send cfg_scale 1 or leave it out",
      type: 'invalid_request_error',
      param: 'cfg_scale',
      code: null,
    });
    const r = await post('/v1/text-to-image', { prompt: 'a lighthouse', model: 'flux-schnell' });
    expect(r.status).toBe(200);
    expect(received.at(-1)).toMatchObject({
      name: 'TextToImage',
      model: 'flux-schnell',
      cfg_scale: 1,
    });
    // A guided model keeps the protocol's default.
    await post('/v1/text-to-image', { prompt: 'a lighthouse', model: 'sdxl-base' });
    expect(received.at(-1)).toMatchObject({ model: 'sdxl-base', cfg_scale: 3 });
  });

  it('lists the models and serves the OpenAPI document', async () => {
    const models = await fetch(`${base}/v1/models`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(await models.json()).toEqual({
      object: 'list',
      data: [
        { id: 'tiny-llm', object: 'model', owned_by: 'subnet', kind: 'text' },
        { id: 'sdxl-base', object: 'model', owned_by: 'subnet', kind: 'image' },
        { id: 'flux-schnell', object: 'model', owned_by: 'subnet', kind: 'image' },
      ],
    });
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } }
        >
      >;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/v1/chat/completions',
      '/v1/completions',
      '/v1/image-to-image',
      '/v1/inpaint',
      '/v1/models',
      '/v1/text-to-image',
      '/v1/uncrop',
      '/v1/upscale',
    ]);
    const chat =
      doc.paths['/v1/chat/completions']?.post?.requestBody?.content['application/json']?.schema;
    expect(chat?.required).toEqual(['messages', 'model']);
  });
  it('records the usage of each request on its key', async () => {
    const [listing] = (await keys.listKeys()).filter((k) => k.id === keyId);
    // Four whole text answers (two chat, two completions), 7 + 3 tokens each, and four images
    // (three text-to-image and an uncrop; the refused requests count none); the cut stream
    // reported no token counts.
    expect(listing?.usage).toMatchObject({ inputTokens: 28, outputTokens: 12, images: 4 });
  });
});

describe('organic work and the period budget', () => {
  it('goes to the miner with the most spare capacity, replaces its synthetic query, is stored', async () => {
    await storage.miners.syncMetagraph(
      metagraph.neurons.map((n) => ({ uid: n.uid, hotkey: n.hotkey })),
      NOW,
    );
    // A period plan as the work loop makes it: dave (uid 1, whose port is closed) offers 3
    // Chats, charlie (uid 2) 2; one Chat each is planned at every 100 ms step.
    let plan = planPeriod(
      [
        { uid: 1, capacities: { Chat: { volume: 3 } } },
        { uid: 2, capacities: { Chat: { volume: 2 } } },
      ],
      { startMs: NOW, periodMs: 600 },
    );
    const takes: Array<[number, readonly number[]]> = [];
    const budget = {
      takeOrganic(kind: TaskKind, exclude: readonly number[]) {
        const taken = takeQuery(plan, kind, NOW, exclude);
        if (!taken) return undefined;
        plan = taken.plan;
        takes.push([taken.uid, [...exclude]]);
        return taken.uid;
      },
    };
    const logger = pino({ level: 'silent' });
    const organic = buildApiApp({
      apiKeys: keys,
      gateway: new DendriteGateway({
        dendrite,
        metagraph: () => metagraph,
        selfHotkey: metagraph.neurons[0]?.hotkey ?? '',
        logger,
        budget,
        results: storage.results,
        now: () => NOW,
      }),
      models: [{ id: 'tiny-llm', kind: 'text' }],
      logger,
    });
    try {
      const r = await organic.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { authorization: `Bearer ${secret}` },
        payload: CHAT,
      });
      expect(r.statusCode).toBe(200);
      expect(r.json().choices[0].message.content).toBe(TOKENS.join(''));
    } finally {
      await organic.close();
    }
    // dave had the most room: taken first, it failed; then charlie, outside dave.
    expect(takes).toEqual([
      [1, []],
      [2, [1]],
    ]);
    // Each take dropped that miner's next synthetic Chat and counted against its budget.
    expect(plan.queries.map((q) => q.uids)).toEqual([[1], [2], [1]]);
    expect([...plan.used]).toEqual([
      ['1:Chat', 1],
      ['2:Chat', 1],
    ]);
    // Both attempts are organic results: dave's failure and charlie's answer.
    const rows = [
      ...(await storage.results.listForUid(1)),
      ...(await storage.results.listForUid(2)),
    ].filter((row) => row.organic);
    expect(rows.map((row) => [row.uid, row.taskKind, row.statusCode])).toEqual([
      [1, 'Chat', 503],
      [2, 'Chat', 200],
    ]);
    expect(rows[0]?.taskId).toBe(rows[1]?.taskId);
    expect(rows[0]?.taskId).toMatch(/^organic-/);
  });

  // A client that goes away must not make miners look like they failed (a cheap way to hurt
  // them): its cancelled attempts are not stored.
  it('stores nothing against a miner when the client went away', async () => {
    await storage.miners.syncMetagraph(
      metagraph.neurons.map((n) => ({ uid: n.uid, hotkey: n.hotkey })),
      NOW,
    );
    const before = async () =>
      [...(await storage.results.listForUid(1)), ...(await storage.results.listForUid(2))].length;
    const count = await before();
    const gateway = new DendriteGateway({
      dendrite,
      metagraph: () => metagraph,
      selfHotkey: metagraph.neurons[0]?.hotkey ?? '',
      logger: pino({ level: 'silent' }),
      results: storage.results,
      now: () => NOW,
    });
    const gone = new AbortController();
    gone.abort();
    await expect(
      gateway.image(TextToImage, { prompt: 'a cat', seed: 1, model: 'sdxl-base' }, gone.signal),
    ).rejects.toThrow('no miner answered');
    const events: unknown[] = [];
    const stream = gateway.text(
      {
        kind: 'chat',
        input: { messages: [{ role: 'user', content: 'hi' }], model: 'tiny-llm', seed: 1 },
      },
      gone.signal,
    );
    // The stream ends with nothing: nobody is listening any more.
    for await (const e of stream) events.push(e);
    expect(events).toEqual([]);
    expect(await before()).toBe(count);
  });
});
