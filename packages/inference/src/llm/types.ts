import type { TokenLogprob } from './logprobs';
import type { GenerateRequest, ScoreRequest } from './requests';

export type FinishReason = 'stop' | 'length' | 'cancelled';

/** One generated token, as streamed. */
export interface TokenEvent {
  index: number;
  tokenId: number;
  /** Text that became final with this token (may be empty while a stop sequence could start). */
  text: string;
  /** Logprob of the token under the model (temperature 1, no filtering). */
  logprob: number;
  /** The most likely alternatives at this position (length = request.logprobs). */
  topLogprobs: TokenLogprob[];
}

export interface GenerationResult {
  text: string;
  tokenIds: number[];
  logprobs: number[];
  topLogprobs: TokenLogprob[][];
  finishReason: FinishReason;
  promptTokenIds: number[];
}

/** Prompt scoring: what a validator computes for a miner's completion, one entry per token. */
export interface ScoredToken {
  tokenId: number;
  logprob: number;
  /** 1 + number of vocabulary tokens strictly more likely at this position. */
  rank: number;
  topLogprobs: TokenLogprob[];
}

export interface ScoreResult {
  promptTokenIds: number[];
  tokens: ScoredToken[];
}

/** What a generation backend offers: the in-process ONNX engine or an OpenAI-compatible server. */
export interface LlmBackend {
  generate(
    request: GenerateRequest,
    options?: { signal?: AbortSignal },
  ): AsyncGenerator<TokenEvent, GenerationResult>;
  /** Prompt scoring: one forward pass over prompt + completion. */
  score(request: ScoreRequest): Promise<ScoreResult>;
}

/** Drains a generation stream and returns its result. */
export async function collectGeneration(
  stream: AsyncGenerator<TokenEvent, GenerationResult>,
): Promise<GenerationResult> {
  while (true) {
    const next = await stream.next();
    if (next.done) return next.value;
  }
}
