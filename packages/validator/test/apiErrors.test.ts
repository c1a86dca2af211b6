// Every error path of the organic API answers in OpenAI's error shape, checked against a strict
// schema of it: an unknown model (404 model_not_found), a body that is not JSON (400), a body too
// large (413), an unknown route (404), no miner (503 with Retry-After), and miners that refuse the
// request as malformed (400, the client's mistake: said back, not a 503).
import type { Metagraph } from '@subnet/chain';
import { Dendrite } from '@subnet/protocol';
import { Chat, TextToImage } from '@subnet/protocol/tasks';
import { createTestAxon, devHotkey, type TestAxon } from '@subnet/protocol/testing';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildApiApp, DendriteGateway } from '../src/api/index';
import { ApiKeys } from '../src/apiKeys/index';
import { openStorage, type Storage } from '../src/storage/index';
import { type EngineHarness, engineHarness } from '../src/storage/testing/index';
import { loopbackNeuron } from './support/testHelpers';

/** OpenAI's error object, exactly: nothing more, nothing less. */
const openAiError = z.strictObject({
  error: z.strictObject({
    message: z.string().min(1),
    type: z.string().min(1),
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
});

let harness: EngineHarness;
let storage: Storage;
let secret: string;
let axon: TestAxon;
let dendrite: Dendrite;
let app: FastifyInstance;
let noMiners: FastifyInstance;
let base: string;

beforeAll(async () => {
  harness = engineHarness('pglite');
  storage = await openStorage(await harness.freshConfig());
  const keys = new ApiKeys(storage.apiKeys);
  secret = (await keys.createKey('client', 1000)).secret;
  const [validator, miner] = await Promise.all([devHotkey('bob'), devHotkey('charlie')]);
  // A miner that refuses every task as malformed, naming the field.
  axon = await createTestAxon({
    hotkey: miner,
    synapses: [Chat, TextToImage],
    serve: () => ({ status: 400, message: 'width must be a multiple of 8' }),
  });
  const metagraph: Metagraph = {
    netuid: 1,
    block: 10,
    blockHash: '0x00',
    n: 2,
    neurons: [
      loopbackNeuron(0, validator.address, 9, true),
      loopbackNeuron(1, miner.address, axon.port, false),
    ],
    source: 'storage',
  };
  dendrite = new Dendrite({ hotkey: validator });
  const logger = pino({ level: 'silent' });
  const models = [
    { id: 'tiny-llm', kind: 'text' as const },
    { id: 'sdxl-base', kind: 'image' as const },
  ];
  app = buildApiApp({
    apiKeys: keys,
    gateway: new DendriteGateway({
      dendrite,
      metagraph: () => metagraph,
      selfHotkey: validator.address,
      logger,
    }),
    models,
    logger,
  });
  noMiners = buildApiApp({
    apiKeys: keys,
    gateway: new DendriteGateway({ dendrite, metagraph: () => undefined, selfHotkey: '', logger }),
    models,
    logger,
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await noMiners?.close();
  await dendrite?.close();
  await axon?.close();
  await storage?.close();
  await harness?.close();
});

async function send(
  path: string,
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<{ status: number; retryAfter: string | null; body: z.infer<typeof openAiError> }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, ...headers },
    body,
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: openAiError.parse(await res.json()),
  };
}

describe('organic API errors, in OpenAI shape', () => {
  it('404 model_not_found for a model the API does not offer, on text and image routes', async () => {
    const chat = await send(
      '/v1/chat/completions',
      JSON.stringify({ model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(chat).toEqual({
      status: 404,
      retryAfter: null,
      body: {
        error: {
          message: "The model 'gpt-9' does not exist; GET /v1/models lists the models offered",
          type: 'invalid_request_error',
          param: 'model',
          code: 'model_not_found',
        },
      },
    });
    // An image model asked for on the text route is not a text model.
    const crossed = await send(
      '/v1/completions',
      JSON.stringify({ model: 'sdxl-base', prompt: 'hi' }),
    );
    expect([crossed.status, crossed.body.error.code]).toEqual([404, 'model_not_found']);
    const image = await send(
      '/v1/text-to-image',
      JSON.stringify({ model: 'tiny-llm', prompt: 'a cat' }),
    );
    expect([image.status, image.body.error.code, image.body.error.param]).toEqual([
      404,
      'model_not_found',
      'model',
    ]);
  });

  it('400 invalid_json for a body that is not JSON, 413 for one too large', async () => {
    const bad = await send('/v1/chat/completions', '{"model": "tiny-llm", "messages": [');
    expect(bad.status).toBe(400);
    expect(bad.body.error.type).toBe('invalid_request_error');
    expect(bad.body.error.code).toBe('invalid_json');
    expect(bad.body.error.message).toMatch(/^the body is not valid JSON: /);
    const big = await send(
      '/v1/text-to-image',
      JSON.stringify({ model: 'sdxl-base', prompt: 'x'.repeat(33 * 1024 * 1024) }),
    );
    expect(big).toEqual({
      status: 413,
      retryAfter: null,
      body: {
        error: {
          message: 'the request body is too large',
          type: 'invalid_request_error',
          param: null,
          code: 'body_too_large',
        },
      },
    });
  });

  it('404 unknown_url for a route that does not exist', async () => {
    const r = await send('/v1/embeddingz', '{}');
    expect(r).toEqual({
      status: 404,
      retryAfter: null,
      body: {
        error: {
          message: 'no route POST /v1/embeddingz',
          type: 'invalid_request_error',
          param: null,
          code: 'unknown_url',
        },
      },
    });
  });

  it('400 with the miners’ reason when every miner refuses the request as malformed, not a 503', async () => {
    const r = await send(
      '/v1/text-to-image',
      JSON.stringify({ model: 'sdxl-base', prompt: 'a cat' }),
    );
    expect(r).toEqual({
      status: 400,
      retryAfter: null,
      body: {
        error: {
          message: 'the miners refused the request: width must be a multiple of 8',
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      },
    });
    const chat = await send(
      '/v1/chat/completions',
      JSON.stringify({ model: 'tiny-llm', messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect([chat.status, chat.body.error.message]).toEqual([
      400,
      'the miners refused the request: width must be a multiple of 8',
    ]);
  });

  it('503 with Retry-After when no miner can take the request', async () => {
    const r = await noMiners.inject({
      method: 'POST',
      url: '/v1/text-to-image',
      headers: { authorization: `Bearer ${secret}` },
      payload: { prompt: 'a cat', model: 'sdxl-base' },
    });
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('5');
    expect(openAiError.parse(r.json())).toEqual({
      error: {
        message: 'no miner could answer; try again',
        type: 'service_unavailable',
        param: null,
        code: null,
      },
    });
  });
});
