/**
 * Fields of the LLM tasks (Chat, Completion): sampling settings, and the outputs filled from the
 * token stream (the final text and each token's logprob with its top alternatives).
 */
import { z } from 'zod';
import { loraIdField, modelIdField, seedField } from './fields';
import {
  MAX_TOKENS_MAX,
  STOP_SEQUENCE_MAX_CHARS,
  STOP_SEQUENCES_MAX,
  TEMPERATURE_MAX,
  TOKEN_TEXT_MAX_CHARS,
  TOP_K_MAX,
  TOP_LOGPROBS_MAX,
} from './limits';

export const DEFAULT_MAX_TOKENS = 500;
export const DEFAULT_TEMPERATURE = 0.5;
export const DEFAULT_TOP_P = 1.0;
/** 0 turns top-k sampling off. */
export const DEFAULT_TOP_K = 0;
export const DEFAULT_TOP_LOGPROBS = 5;

/** Sampling settings, seed, model and adapter. */
export function samplingFields() {
  return {
    max_tokens: z.int().min(1).max(MAX_TOKENS_MAX).default(DEFAULT_MAX_TOKENS),
    temperature: z.number().min(0).max(TEMPERATURE_MAX).default(DEFAULT_TEMPERATURE),
    top_p: z.number().gt(0).max(1).default(DEFAULT_TOP_P),
    top_k: z.int().min(0).max(TOP_K_MAX).default(DEFAULT_TOP_K),
    /** How many alternatives to report with each token (the token's own logprob always comes). */
    top_logprobs: z.int().min(0).max(TOP_LOGPROBS_MAX).default(DEFAULT_TOP_LOGPROBS),
    stop: z
      .array(z.string().min(1).max(STOP_SEQUENCE_MAX_CHARS))
      .max(STOP_SEQUENCES_MAX)
      .default(() => []),
    seed: seedField(),
    model: modelIdField(),
    lora: loraIdField().optional(),
  };
}

/** The settings above in the order the hash covers them. */
export const SAMPLING_HASH_FIELDS = [
  'max_tokens',
  'temperature',
  'top_p',
  'top_k',
  'top_logprobs',
  'stop',
  'seed',
  'model',
  'lora',
] as const;

/** A natural-log probability: finite and at most 0. */
export const logprobSchema = z.number().max(0);

export const tokenTextSchema = z.string().max(TOKEN_TEXT_MAX_CHARS);

export const topLogprobSchema = z.object({
  token: tokenTextSchema,
  logprob: logprobSchema,
});
export type TopLogprob = z.output<typeof topLogprobSchema>;

export const tokenLogprobSchema = z.object({
  token: tokenTextSchema,
  token_id: z.int().min(0).optional(),
  logprob: logprobSchema,
  top_logprobs: z.array(topLogprobSchema).max(TOP_LOGPROBS_MAX),
});
export type TokenLogprob = z.output<typeof tokenLogprobSchema>;

export const FINISH_REASONS = ['stop', 'length'] as const;
export type FinishReason = (typeof FINISH_REASONS)[number];

/** Outputs, filled from the stream when it ends. */
export function textOutputFields() {
  return {
    text: z
      .string()
      .max(MAX_TOKENS_MAX * TOKEN_TEXT_MAX_CHARS)
      .optional(),
    token_logprobs: z.array(tokenLogprobSchema).max(MAX_TOKENS_MAX).optional(),
    finish_reason: z.enum(FINISH_REASONS).optional(),
  };
}
