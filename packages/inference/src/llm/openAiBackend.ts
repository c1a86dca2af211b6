import { InferenceError, InferenceErrorCode } from '../errors';
import { type Logger, moduleLogger } from '../log';
import { chunkSchema, promptLogprobsSchema, sortAlternatives, tokensOf } from './openAiWire';
import {
  badRequest,
  type GenerateRequest,
  generateRequestSchema,
  type ScoreRequest,
  scoreRequestSchema,
} from './requests';
import { serverSentEvents } from './serverSentEvents';
import type { FinishReason, GenerationResult, LlmBackend, ScoreResult, TokenEvent } from './types';

/**
 * Generation through an OpenAI-compatible server (vLLM and others) for models too large for the
 * in-process runtime. Streams the same TokenEvents as the ONNX engine: prompts go to
 * /completions, chat messages to /chat/completions, with `stream`, `logprobs` and vLLM's
 * `return_tokens_as_token_ids` so each token comes back as its id ("token_id:123").
 * Logprobs are the server's (vLLM reports the raw model distribution, like the local engine).
 */
export interface OpenAiBackendOptions {
  /** e.g. http://127.0.0.1:8000/v1 */
  baseUrl: string;
  model: string;
  apiKey?: string;
  logger?: Logger;
}

export class OpenAiCompatibleBackend implements LlmBackend {
  private readonly log: Logger;

  constructor(private readonly options: OpenAiBackendOptions) {
    this.log = moduleLogger('openai-backend', options.logger);
  }

  async *generate(
    request: GenerateRequest,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<TokenEvent, GenerationResult> {
    const parsed = generateRequestSchema.safeParse(request);
    if (!parsed.success) throw badRequest(parsed.error);
    const req = parsed.data;
    if (req.adapter !== undefined) {
      throw new InferenceError(
        InferenceErrorCode.UnknownAdapter,
        `adapter '${req.adapter}' cannot be applied through an OpenAI-compatible server here; serve it as its own model name`,
      );
    }
    const chat = req.messages !== undefined;
    const k = Math.max(req.logprobs, 1);
    const body: Record<string, unknown> = {
      model: this.options.model,
      max_tokens: req.maxTokens,
      temperature: req.temperature,
      top_p: req.topP,
      ...(req.topK > 0 ? { top_k: req.topK } : {}),
      seed: Number(BigInt(req.seed) & 0x7fffffffn),
      ...(req.stop.length > 0 ? { stop: req.stop } : {}),
      stream: true,
      return_tokens_as_token_ids: true,
      ...(chat
        ? { messages: req.messages, logprobs: true, top_logprobs: k }
        : { prompt: req.promptTokenIds ?? req.prompt, logprobs: k }),
    };
    const url = `${this.options.baseUrl.replace(/\/$/, '')}/${chat ? 'chat/completions' : 'completions'}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify(body),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      if (options.signal?.aborted) return emptyResult('cancelled');
      throw new InferenceError(
        InferenceErrorCode.BackendFailed,
        `cannot reach the LLM server at ${url}`,
        { cause: err },
      );
    }
    if (!response.ok || !response.body) {
      const detail = (await response.text().catch(() => '')).slice(0, 300);
      throw new InferenceError(
        InferenceErrorCode.BackendFailed,
        `the LLM server answered HTTP ${response.status}: ${detail}`,
      );
    }
    const result = emptyResult('length');
    try {
      for await (const data of serverSentEvents(response.body)) {
        if (data === '[DONE]') break;
        const chunk = chunkSchema.safeParse(JSON.parse(data));
        if (!chunk.success)
          throw new InferenceError(
            InferenceErrorCode.BackendFailed,
            `unexpected chunk from the LLM server: ${data.slice(0, 200)}`,
          );
        const choice = chunk.data.choices[0];
        if (!choice) continue;
        const text = choice.text ?? choice.delta?.content ?? '';
        const tokens = tokensOf(choice.logprobs ?? undefined, req.logprobs);
        tokens.forEach((t, i) => {
          result.tokenIds.push(t.tokenId);
          result.logprobs.push(t.logprob);
          result.topLogprobs.push(t.topLogprobs);
          t.text = i === tokens.length - 1 ? text : '';
          t.index = result.tokenIds.length - 1;
        });
        result.text += text;
        for (const t of tokens) yield t;
        if (choice.finish_reason)
          result.finishReason = choice.finish_reason === 'length' ? 'length' : 'stop';
      }
    } catch (err) {
      if (options.signal?.aborted) {
        result.finishReason = 'cancelled';
        return result;
      }
      throw err instanceof InferenceError
        ? err
        : new InferenceError(InferenceErrorCode.BackendFailed, 'the LLM server stream broke off', {
            cause: err,
          });
    }
    this.log.debug({ tokens: result.tokenIds.length, finish: result.finishReason }, 'generated');
    return result;
  }

  /**
   * Prompt scoring through vLLM's `prompt_logprobs` extension of /completions: the server
   * returns, for each prompt position, the token's logprob and rank and the top-k alternatives.
   * Needs token ids (promptTokenIds and completionTokenIds): the server's tokenizer would
   * otherwise decide where the completion starts.
   */
  async score(request: ScoreRequest): Promise<ScoreResult> {
    const parsed = scoreRequestSchema.safeParse(request);
    if (!parsed.success) throw badRequest(parsed.error);
    const req = parsed.data;
    const promptIds = req.promptTokenIds;
    if (!promptIds || !req.completionTokenIds || req.adapter !== undefined) {
      throw new InferenceError(
        InferenceErrorCode.BadRequest,
        'scoring through an OpenAI-compatible server needs promptTokenIds and completionTokenIds, and no adapter',
      );
    }
    const all = [...promptIds, ...req.completionTokenIds];
    const url = `${this.options.baseUrl.replace(/\/$/, '')}/completions`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: this.options.model,
          prompt: all,
          max_tokens: 1,
          temperature: 0,
          prompt_logprobs: Math.max(req.topK, 1),
          return_tokens_as_token_ids: true,
        }),
      });
    } catch (err) {
      throw new InferenceError(
        InferenceErrorCode.BackendFailed,
        `cannot reach the LLM server at ${url}`,
        { cause: err },
      );
    }
    const text = await response.text();
    if (!response.ok) {
      throw new InferenceError(
        InferenceErrorCode.BackendFailed,
        `the LLM server answered HTTP ${response.status}: ${text.slice(0, 300)}`,
      );
    }
    const body = promptLogprobsSchema.safeParse(JSON.parse(text));
    const positions = body.success ? body.data.choices[0]?.prompt_logprobs : undefined;
    if (!positions || positions.length !== all.length) {
      throw new InferenceError(
        InferenceErrorCode.BackendFailed,
        "the LLM server returned no prompt_logprobs (it needs vLLM's prompt_logprobs extension)",
      );
    }
    const tokens = req.completionTokenIds.map((tokenId, i) => {
      const entries = positions[promptIds.length + i] ?? {};
      const own = entries[String(tokenId)];
      if (!own)
        throw new InferenceError(
          InferenceErrorCode.BackendFailed,
          `the LLM server left out token ${tokenId} at position ${i}`,
        );
      const alternatives = Object.entries(entries)
        .filter(([, v]) => v.rank !== undefined && v.rank !== null && v.rank <= req.topK)
        .map(([id, v]) => ({ tokenId: Number(id), logprob: v.logprob }));
      return {
        tokenId,
        logprob: own.logprob,
        rank: own.rank ?? 0,
        topLogprobs: sortAlternatives(alternatives, req.topK),
      };
    });
    return { promptTokenIds: promptIds, tokens };
  }
}

function emptyResult(finishReason: FinishReason): GenerationResult {
  return {
    text: '',
    tokenIds: [],
    logprobs: [],
    topLogprobs: [],
    finishReason,
    promptTokenIds: [],
  };
}
