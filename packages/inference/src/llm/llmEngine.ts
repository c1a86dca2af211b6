import type { z } from 'zod';
import { InferenceError, InferenceErrorCode } from '../errors';
import { type Logger, moduleLogger } from '../log';
import { deriveSeed } from '../random/deriveSeed';
import { createRng } from '../random/xoshiro128';
import { FifoQueue } from '../runtime/fifoQueue';
import type { ChatTokenizer } from './chatTokenizer';
import type { AdapterFeeds, DecoderModel, ForwardResult, KvCache } from './decoderModel';
import { IncrementalDecoder } from './incrementalDecoder';
import { logSoftmax, rankOf, topLogprobs } from './logprobs';
import {
  badRequest,
  type GenerateRequest,
  generateRequestSchema,
  type ScoreRequest,
  scoreRequestSchema,
} from './requests';
import { sampleToken } from './sampler';
import { StreamedText } from './streamedText';
import {
  collectGeneration,
  type GenerationResult,
  type LlmBackend,
  type ScoreResult,
  type TokenEvent,
} from './types';

/** Where the engine gets an adapter's graph inputs; throws INFERENCE_UNKNOWN_ADAPTER. */
export interface AdapterSource {
  feeds(adapterId: string): Promise<AdapterFeeds>;
}

/**
 * - 'exact' (default): each decode step feeds the previous token again with the new one, so
 *   every matrix product has at least two rows. On CPU this makes the logits of cached decoding
 *   bitwise equal to a full recompute and to a validator's one-pass prompt scoring (onnxruntime's
 *   single-row products take another code path that rounds differently).
 * - 'fast': one token per decode step.
 */
export type DecodeMode = 'exact' | 'fast';

export interface LlmEngineOptions {
  model: DecoderModel;
  tokenizer: ChatTokenizer;
  adapters?: AdapterSource;
  decodeMode?: DecodeMode;
  /** Positions the model can attend to (prompt + completion). */
  maxContext?: number;
  /** The model's defaults (manifest `defaults`) for fields a request leaves out. */
  defaults?: GenerationDefaults;
  logger?: Logger;
}

export interface GenerationDefaults {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxTokens?: number;
}

export class LlmEngine implements LlmBackend {
  readonly model: DecoderModel;
  readonly tokenizer: ChatTokenizer;
  readonly queue = new FifoQueue();
  private readonly adapters: AdapterSource | undefined;
  private readonly decodeMode: DecodeMode;
  private readonly maxContext: number;
  private readonly defaults: GenerationDefaults;
  private readonly log: Logger;

  constructor(options: LlmEngineOptions) {
    this.model = options.model;
    this.tokenizer = options.tokenizer;
    this.adapters = options.adapters;
    this.decodeMode = options.decodeMode ?? 'exact';
    this.maxContext = options.maxContext ?? 2048;
    this.defaults = options.defaults ?? {};
    this.log = moduleLogger('llm', options.logger);
  }

  /** Streams tokens as they are produced; the generator's return value is the whole result. */
  async *generate(
    request: GenerateRequest,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<TokenEvent, GenerationResult> {
    const given = Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined));
    const req = parse(generateRequestSchema, { ...this.defaults, ...given });
    const promptIds = this.promptIds(req);
    if (promptIds.length >= this.maxContext) throw tooLong(promptIds.length, this.maxContext);
    const adapter = await this.adapterFeeds(req.adapter);
    const rng = createRng(deriveSeed(req.seed, 'llm-sample'));
    const params = { temperature: req.temperature, topP: req.topP, topK: req.topK };
    const eos = new Set(this.tokenizer.eosTokenIds);
    const text = new StreamedText(req.stop);
    const decoder = new IncrementalDecoder((ids) => this.tokenizer.decode(ids));
    const result: GenerationResult = {
      text: '',
      tokenIds: [],
      logprobs: [],
      topLogprobs: [],
      finishReason: 'length',
      promptTokenIds: promptIds,
    };
    const maxTokens = Math.min(req.maxTokens, this.maxContext - promptIds.length);
    if (options.signal?.aborted) return { ...result, finishReason: 'cancelled' };
    let prev = promptIds[promptIds.length - 2];
    let last = promptIds[promptIds.length - 1] as number;
    let step = await this.queue.run(() =>
      this.model.forward(promptIds, this.model.emptyCache(), adapter),
    );
    let row = lastRow(step.logits, this.model.vocabSize);
    while (true) {
      if (options.signal?.aborted) {
        result.finishReason = 'cancelled';
        break;
      }
      const tokenId = sampleToken(row, params, rng);
      const lps = logSoftmax(row);
      const event: TokenEvent = {
        index: result.tokenIds.length,
        tokenId,
        text: '',
        logprob: lps[tokenId] as number,
        topLogprobs: topLogprobs(lps, req.logprobs),
      };
      result.tokenIds.push(tokenId);
      result.logprobs.push(event.logprob);
      result.topLogprobs.push(event.topLogprobs);
      prev = last;
      last = tokenId;
      const isEos = eos.has(tokenId);
      if (!isEos) decoder.push(tokenId);
      const update = text.update(decoder.text);
      event.text = update.piece;
      if (update.stopped || isEos || result.tokenIds.length >= maxTokens) {
        if (!update.stopped) {
          decoder.flush();
          event.text += text.flush(decoder.text);
        }
        result.finishReason = update.stopped || isEos ? 'stop' : 'length';
        yield event;
        break;
      }
      yield event;
      const cache = step.cache;
      const [p, l] = [prev, last];
      step = await this.queue.run(() => this.decodeStep(p, l, cache, adapter));
      row = lastRow(step.logits, this.model.vocabSize);
    }
    if (text.text === undefined) {
      decoder.flush();
      text.flush(decoder.text);
    }
    result.text = text.text ?? '';
    this.log.debug({ tokens: result.tokenIds.length, finish: result.finishReason }, 'generated');
    return result;
  }

  /** Collects a whole generation. */
  async complete(
    request: GenerateRequest,
    options: { signal?: AbortSignal } = {},
  ): Promise<GenerationResult> {
    return collectGeneration(this.generate(request, options));
  }

  /**
   * Prompt scoring in one forward pass over prompt + completion: for each completion token its
   * logprob, rank and the top-k alternatives at its position.
   */
  async score(request: ScoreRequest): Promise<ScoreResult> {
    const req = parse(scoreRequestSchema, request);
    const promptIds = this.promptIds(req);
    const completionIds = req.completionTokenIds ?? this.tokenizer.encode(req.completion ?? '');
    const all = [...promptIds, ...completionIds];
    if (all.length > this.maxContext) throw tooLong(all.length, this.maxContext);
    const adapter = await this.adapterFeeds(req.adapter);
    const { logits } = await this.queue.run(() =>
      this.model.forward(all, this.model.emptyCache(), adapter),
    );
    const V = this.model.vocabSize;
    const tokens = completionIds.map((tokenId, i) => {
      const pos = promptIds.length - 1 + i;
      const lps = logSoftmax(logits.subarray(pos * V, (pos + 1) * V));
      return {
        tokenId,
        logprob: lps[tokenId] as number,
        rank: rankOf(lps, tokenId),
        topLogprobs: topLogprobs(lps, req.topK),
      };
    });
    return { promptTokenIds: promptIds, tokens };
  }

  private decodeStep(
    prev: number | undefined,
    last: number,
    cache: KvCache,
    adapter?: AdapterFeeds,
  ): Promise<ForwardResult> {
    if (this.decodeMode === 'fast' || prev === undefined) {
      return this.model.forward([last], cache, adapter);
    }
    return this.model.forward(
      [prev, last],
      this.model.truncateCache(cache, cache.length - 1),
      adapter,
    );
  }

  private promptIds(req: {
    prompt?: string;
    messages?: { role: 'system' | 'user' | 'assistant'; content: string }[];
    promptTokenIds?: number[];
  }): number[] {
    if (req.promptTokenIds) {
      for (const id of req.promptTokenIds) {
        if (id >= this.model.vocabSize) {
          throw new InferenceError(
            InferenceErrorCode.BadRequest,
            `token id ${id} is outside the vocabulary`,
          );
        }
      }
      return req.promptTokenIds;
    }
    // As transformers: a chat is rendered and tokenized without added special tokens (the
    // template writes BOS if the model wants it); a plain prompt gets them (BOS for Llama).
    const ids = req.messages
      ? this.tokenizer.encodeChat(req.messages)
      : this.tokenizer.encode(req.prompt ?? '', { addSpecialTokens: true });
    if (ids.length === 0)
      throw new InferenceError(InferenceErrorCode.BadRequest, 'the prompt is empty');
    return ids;
  }

  private async adapterFeeds(adapterId: string | undefined): Promise<AdapterFeeds | undefined> {
    if (adapterId === undefined) return undefined;
    if (!this.adapters) {
      throw new InferenceError(
        InferenceErrorCode.UnknownAdapter,
        `unknown adapter '${adapterId}': this model has no adapters configured`,
      );
    }
    return this.adapters.feeds(adapterId);
  }
}

function lastRow(logits: Float32Array, vocab: number): Float32Array {
  return logits.subarray(logits.length - vocab);
}

function tooLong(length: number, max: number): InferenceError {
  return new InferenceError(
    InferenceErrorCode.ContextTooLong,
    `the sequence has ${length} tokens; the model's context is ${max}`,
  );
}

function parse<T>(
  schema: {
    safeParse(v: unknown): { success: true; data: T } | { success: false; error: z.ZodError };
  },
  value: unknown,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw badRequest(parsed.error);
  return parsed.data;
}
