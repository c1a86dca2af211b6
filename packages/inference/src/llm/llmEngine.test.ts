import { beforeAll, describe, expect, it } from 'vitest';
import { InferenceErrorCode } from '../errors';
import { lastRowLogprobs } from '../testing/llmChecks';
import { defaultTinyDecoderConfig } from '../testing/tinyDecoder';
import { createTinyLlm } from '../testing/tinyLlm';
import { buildTinyTokenizer } from '../testing/tinyTokenizer';
import { ChatTokenizer } from './chatTokenizer';
import { LlmEngine } from './llmEngine';
import type { TokenEvent } from './types';

const messages = [{ role: 'user' as const, content: 'Tell me a story about the miner.' }];

describe('LlmEngine on the tiny decoder (CPU)', () => {
  let engine: LlmEngine;
  beforeAll(async () => {
    engine = await createTinyLlm();
  });

  it('repeats tokens and logprobs for a seed, and samples differently for another seed', async () => {
    const req = { messages, maxTokens: 24, temperature: 1, seed: 7, logprobs: 3 };
    const a = await engine.complete(req);
    const b = await engine.complete(req);
    const c = await engine.complete({ ...req, seed: 8 });
    expect(a.tokenIds).toHaveLength(24);
    expect(b.tokenIds).toEqual(a.tokenIds);
    expect(b.logprobs).toEqual(a.logprobs);
    expect(b.topLogprobs).toEqual(a.topLogprobs);
    expect(c.tokenIds).not.toEqual(a.tokenIds);
  });

  it('decodes with the KV cache exactly as a full recompute of every prefix', async () => {
    const res = await engine.complete({ messages, maxTokens: 20, temperature: 0.8, seed: 3 });
    const sequence = [...res.promptTokenIds];
    for (let i = 0; i < res.tokenIds.length; i++) {
      const full = await lastRowLogprobs(engine, sequence);
      const tokenId = res.tokenIds[i] as number;
      expect(full[tokenId]).toBe(res.logprobs[i]);
      sequence.push(tokenId);
    }
  });

  it('keeps cached decoding exact with two intra-op threads and a wider model', async () => {
    const config = { ...defaultTinyDecoderConfig, hidden: 128, heads: 8, ffn: 256 };
    const wide = await createTinyLlm({ threads: 2, config });
    const single = await createTinyLlm({ threads: 1, config });
    const res = await wide.complete({ messages, maxTokens: 12, temperature: 1, seed: 21 });
    const scored = await wide.score({
      promptTokenIds: res.promptTokenIds,
      completionTokenIds: res.tokenIds,
    });
    expect(scored.tokens.map((t) => t.logprob)).toEqual(res.logprobs);
    const sequence = [...res.promptTokenIds, ...res.tokenIds.slice(0, 6)];
    expect((await lastRowLogprobs(wide, sequence))[res.tokenIds[6] as number]).toBe(
      res.logprobs[6],
    );
    expect(
      (await single.complete({ messages, maxTokens: 12, temperature: 1, seed: 21 })).tokenIds,
    ).toEqual(res.tokenIds);
  });

  it('gives a validator the miner logprobs exactly by one-pass prompt scoring', async () => {
    const gen = await engine.complete({
      messages,
      maxTokens: 16,
      temperature: 1,
      seed: 11,
      logprobs: 4,
    });
    const scored = await engine.score({ messages, completionTokenIds: gen.tokenIds, topK: 4 });
    expect(scored.promptTokenIds).toEqual(gen.promptTokenIds);
    expect(scored.tokens.map((t) => t.logprob)).toEqual(gen.logprobs);
    expect(scored.tokens.map((t) => t.topLogprobs)).toEqual(gen.topLogprobs);
    for (const t of scored.tokens) {
      const higher = t.topLogprobs.filter((alt) => alt.logprob > t.logprob).length;
      if (t.rank <= 4) expect(t.rank).toBe(higher + 1);
      expect(t.rank).toBeGreaterThanOrEqual(1);
    }
  });

  it('greedy decoding takes the top-1 alternative at every step', async () => {
    const res = await engine.complete({
      prompt: 'The validator',
      maxTokens: 12,
      temperature: 0,
      logprobs: 2,
    });
    res.tokenIds.forEach((id, i) => {
      const top = res.topLogprobs[i] ?? [];
      expect(top[0]?.tokenId).toBe(id);
      expect(top[0]?.logprob).toBe(res.logprobs[i]);
      expect((top[0]?.logprob ?? 0) >= (top[1]?.logprob ?? 0)).toBe(true);
    });
  });

  it('fast decode mode stays within float32 rounding of exact mode', async () => {
    const fast = await createTinyLlm({ decodeMode: 'fast' });
    const req = { messages, maxTokens: 12, temperature: 0 };
    const a = await engine.complete(req);
    const b = await fast.complete(req);
    expect(b.tokenIds).toEqual(a.tokenIds);
    b.logprobs.forEach((lp, i) => {
      expect(lp).toBeCloseTo(a.logprobs[i] as number, 3);
    });
  });

  it('streams pieces whose concatenation is the final text, and stops at max_tokens', async () => {
    const events: TokenEvent[] = [];
    const it = engine.generate({ prompt: 'Hello world', maxTokens: 10, temperature: 1, seed: 5 });
    let next = await it.next();
    while (!next.done) {
      events.push(next.value);
      next = await it.next();
    }
    expect(events.map((e) => e.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(events.map((e) => e.text).join('')).toBe(next.value.text);
    expect(next.value.finishReason).toBe('length');
    expect(next.value.text).toBe(engine.tokenizer.decode(next.value.tokenIds));
  });

  it('ends at a stop sequence and leaves it out of the text', async () => {
    const free = await engine.complete({
      prompt: 'Hello world',
      maxTokens: 30,
      temperature: 1,
      seed: 5,
    });
    const stop = free.text.slice(6, 8);
    const cut = free.text.indexOf(stop);
    const res = await engine.complete({
      prompt: 'Hello world',
      maxTokens: 30,
      temperature: 1,
      seed: 5,
      stop: [stop],
    });
    expect(res.finishReason).toBe('stop');
    expect(res.text).toBe(free.text.slice(0, cut));
    expect(res.tokenIds).toEqual(free.tokenIds.slice(0, res.tokenIds.length));
  });

  it('ends with reason stop at the end-of-sequence token, which stays out of the text', async () => {
    const greedy = await engine.complete({ prompt: 'Hello world', maxTokens: 3, temperature: 0 });
    const files = buildTinyTokenizer();
    const second = engine.tokenizer.idToToken(greedy.tokenIds[1] as number);
    const eosAsSecond = new ChatTokenizer(files.tokenizerJson, {
      ...files.tokenizerConfig,
      eos_token: second,
    });
    const atEos = new LlmEngine({ model: engine.model, tokenizer: eosAsSecond, maxContext: 256 });
    const res = await atEos.complete({ prompt: 'Hello world', maxTokens: 3, temperature: 0 });
    expect(res.finishReason).toBe('stop');
    expect(res.tokenIds).toEqual(greedy.tokenIds.slice(0, 2));
    expect(res.text).toBe(engine.tokenizer.decode(greedy.tokenIds.slice(0, 1)));
    const first = engine.tokenizer.idToToken(greedy.tokenIds[0] as number);
    const eosFirst = new ChatTokenizer(files.tokenizerJson, {
      ...files.tokenizerConfig,
      eos_token: first,
    });
    const immediate = await new LlmEngine({
      model: engine.model,
      tokenizer: eosFirst,
      maxContext: 256,
    }).complete({
      prompt: 'Hello world',
      temperature: 0,
    });
    expect(immediate).toMatchObject({
      finishReason: 'stop',
      text: '',
      tokenIds: [greedy.tokenIds[0]],
    });
  });

  it("stops at every end-of-sequence id of generation_config.json, not only the tokenizer's", async () => {
    const greedy = await engine.complete({ prompt: 'Hello world', maxTokens: 4, temperature: 0 });
    const third = greedy.tokenIds[2] as number;
    expect(greedy.tokenIds.slice(0, 2)).not.toContain(third);
    const files = buildTinyTokenizer();
    // Llama 3 style: the tokenizer names one eos, generation_config.json a list.
    const tokenizer = new ChatTokenizer(files.tokenizerJson, files.tokenizerConfig, {
      generationConfig: { eosTokenIds: [third, 383] },
    });
    expect(tokenizer.eosTokenIds).toEqual([383, third]);
    const res = await new LlmEngine({ model: engine.model, tokenizer, maxContext: 256 }).complete({
      prompt: 'Hello world',
      maxTokens: 4,
      temperature: 0,
    });
    expect(res.finishReason).toBe('stop');
    expect(res.tokenIds).toEqual(greedy.tokenIds.slice(0, 3));
  });

  it('stops producing when the request is cancelled', async () => {
    const controller = new AbortController();
    const it = engine.generate(
      { prompt: 'Hello', maxTokens: 50, seed: 1 },
      { signal: controller.signal },
    );
    let count = 0;
    let next = await it.next();
    while (!next.done) {
      count++;
      if (count === 3) controller.abort();
      next = await it.next();
    }
    expect(count).toBe(3);
    expect(next.value.finishReason).toBe('cancelled');
    expect(next.value.tokenIds).toHaveLength(3);
  });

  it('interleaves concurrent requests on one model and still gives each its own result', async () => {
    const reqs = [1, 2, 3].map((seed) => ({ messages, maxTokens: 8, seed }));
    const alone = [];
    for (const r of reqs) alone.push(await engine.complete(r));
    const together = await Promise.all(reqs.map((r) => engine.complete(r)));
    expect(together).toEqual(alone);
  });

  it('shares the model fairly: concurrent streams take turns token by token', async () => {
    const order: string[] = [];
    const drain = async (name: string, seed: number) => {
      const it = engine.generate({ prompt: 'Hello world', maxTokens: 5, seed });
      for (let next = await it.next(); !next.done; next = await it.next()) order.push(name);
    };
    await Promise.all([drain('a', 1), drain('b', 2)]);
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
  });

  it('rejects bad requests with stable codes', async () => {
    await expect(engine.complete({ maxTokens: 3 })).rejects.toMatchObject({
      code: InferenceErrorCode.BadRequest,
    });
    await expect(engine.complete({ prompt: 'x', adapter: 'nope' })).rejects.toMatchObject({
      code: InferenceErrorCode.UnknownAdapter,
    });
    await expect(engine.complete({ promptTokenIds: new Array(300).fill(5) })).rejects.toMatchObject(
      { code: InferenceErrorCode.ContextTooLong },
    );
  });
});
