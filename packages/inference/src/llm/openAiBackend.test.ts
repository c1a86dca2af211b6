import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type OpenAiTestServer, startOpenAiServer } from '../../test/openAiServer';
import { InferenceErrorCode } from '../errors';
import { createTinyLlm } from '../testing/tinyLlm';
import type { LlmEngine } from './llmEngine';
import { OpenAiCompatibleBackend } from './openAiBackend';
import type { GenerationResult, TokenEvent } from './types';

async function collect(
  gen: AsyncGenerator<TokenEvent, GenerationResult>,
  stopAfter = Number.POSITIVE_INFINITY,
  onStop?: () => void,
) {
  const events: TokenEvent[] = [];
  let next = await gen.next();
  while (!next.done) {
    events.push(next.value);
    if (events.length === stopAfter) onStop?.();
    next = await gen.next();
  }
  return { events, result: next.value };
}

describe('OpenAiCompatibleBackend against a vLLM-style server on loopback', () => {
  let engine: LlmEngine;
  let server: OpenAiTestServer;
  let backend: OpenAiCompatibleBackend;

  beforeAll(async () => {
    engine = await createTinyLlm();
    server = await startOpenAiServer(engine);
    backend = new OpenAiCompatibleBackend({ baseUrl: server.baseUrl, model: 'tiny' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('streams the same tokens, logprobs and alternatives as the in-process engine (chat)', async () => {
    const req = {
      messages: [{ role: 'user' as const, content: 'Tell me a story' }],
      maxTokens: 12,
      seed: 9,
      logprobs: 3,
    };
    const local = await engine.complete(req);
    const remote = await collect(backend.generate(req));
    expect(remote.events.map((e) => e.tokenId)).toEqual(local.tokenIds);
    expect(remote.events.map((e) => e.logprob)).toEqual(local.logprobs);
    expect(remote.events.map((e) => e.topLogprobs)).toEqual(local.topLogprobs);
    expect(remote.events.map((e) => e.text).join('')).toBe(local.text);
    expect(remote.result).toMatchObject({
      tokenIds: local.tokenIds,
      text: local.text,
      finishReason: 'length',
    });
    expect(server.bodies.at(-1)).toMatchObject({
      model: 'tiny',
      stream: true,
      logprobs: true,
      top_logprobs: 3,
      return_tokens_as_token_ids: true,
      seed: 9,
    });
  });

  it('does the same for raw prompts through /completions, including stop sequences', async () => {
    const free = await engine.complete({
      prompt: 'Hello world',
      maxTokens: 20,
      temperature: 0.7,
      seed: 2,
      logprobs: 2,
    });
    const req = {
      prompt: 'Hello world',
      maxTokens: 20,
      temperature: 0.7,
      seed: 2,
      logprobs: 2,
      stop: [free.text.slice(4, 6)],
    };
    const local = await engine.complete(req);
    const remote = await collect(backend.generate(req));
    expect(remote.result.tokenIds).toEqual(local.tokenIds);
    expect(remote.result.logprobs).toEqual(local.logprobs);
    expect(remote.result.text).toBe(local.text);
    expect(remote.result.finishReason).toBe('stop');
  });

  it('scores a completion with logprob, rank and top-k like the in-process engine', async () => {
    const gen = await engine.complete({ prompt: 'The validator', maxTokens: 10, seed: 3 });
    const req = { promptTokenIds: gen.promptTokenIds, completionTokenIds: gen.tokenIds, topK: 4 };
    const local = await engine.score(req);
    const remote = await backend.score(req);
    expect(remote).toEqual(local);
    expect(remote.tokens.map((t) => t.logprob)).toEqual(gen.logprobs);
    await expect(backend.score({ prompt: 'x', completion: 'y' })).rejects.toMatchObject({
      code: InferenceErrorCode.BadRequest,
    });
  });

  it('closes the stream when the caller cancels', async () => {
    const controller = new AbortController();
    const before = server.disconnects;
    const { events, result } = await collect(
      backend.generate({ prompt: 'Hello', maxTokens: 200, seed: 1 }, { signal: controller.signal }),
      2,
      () => controller.abort(),
    );
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.length).toBeLessThan(200);
    expect(result).toMatchObject({ finishReason: 'cancelled' });
    await vi.waitFor(() => expect(server.disconnects).toBe(before + 1));
  });

  it('reports server errors with a stable code', async () => {
    const wrong = new OpenAiCompatibleBackend({ baseUrl: server.baseUrl, model: 'other' });
    await expect(collect(wrong.generate({ prompt: 'x' }))).rejects.toMatchObject({
      code: InferenceErrorCode.BackendFailed,
      message: 'the LLM server answered HTTP 400: {"error":"unknown model"}',
    });
    const gone = new OpenAiCompatibleBackend({ baseUrl: 'http://127.0.0.1:9/v1', model: 'tiny' });
    await expect(collect(gone.generate({ prompt: 'x' }))).rejects.toMatchObject({
      code: InferenceErrorCode.BackendFailed,
    });
  });
});
