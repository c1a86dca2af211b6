import { z } from 'zod';
import { InferenceError, InferenceErrorCode } from '../errors';
import type { TokenLogprob } from './logprobs';
import type { TokenEvent } from './types';

/**
 * The wire format of OpenAI-compatible servers as vLLM speaks it: streamed completion and chat
 * chunks with logprobs, and vLLM's prompt_logprobs. Tokens come as "token_id:<id>"
 * (return_tokens_as_token_ids).
 */
const tokenEntry = z.object({ token: z.string(), logprob: z.number() });
export const chunkSchema = z.object({
  choices: z
    .array(
      z.object({
        text: z.string().optional(),
        delta: z.object({ content: z.string().nullish() }).optional(),
        logprobs: z
          .object({
            tokens: z.array(z.string()).optional(),
            token_logprobs: z.array(z.number()).optional(),
            top_logprobs: z.array(z.record(z.string(), z.number()).nullable()).nullish(),
            content: z
              .array(tokenEntry.extend({ top_logprobs: z.array(tokenEntry).optional() }))
              .nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .default([]),
});

export const promptLogprobsSchema = z.object({
  choices: z
    .array(
      z.object({
        prompt_logprobs: z
          .array(
            z
              .record(
                z.string(),
                z.object({ logprob: z.number(), rank: z.number().int().nullish() }),
              )
              .nullable(),
          )
          .nullish(),
      }),
    )
    .min(1),
});

export function tokenId(token: string): number {
  const match = /^token_id:(\d+)$/.exec(token);
  if (!match) {
    throw new InferenceError(
      InferenceErrorCode.BackendFailed,
      `the LLM server returned token '${token}' instead of an id: it needs return_tokens_as_token_ids (vLLM)`,
    );
  }
  return Number(match[1]);
}

export function sortAlternatives(alts: TokenLogprob[], k: number): TokenLogprob[] {
  return alts.sort((a, b) => b.logprob - a.logprob || a.tokenId - b.tokenId).slice(0, k);
}

type Logprobs = z.infer<typeof chunkSchema>['choices'][number]['logprobs'];

export function tokensOf(lp: Logprobs | undefined, k: number): TokenEvent[] {
  if (!lp) return [];
  if (lp.content) {
    return lp.content.map((c) => ({
      index: 0,
      tokenId: tokenId(c.token),
      text: '',
      logprob: c.logprob,
      topLogprobs: sortAlternatives(
        (c.top_logprobs ?? []).map((t) => ({ tokenId: tokenId(t.token), logprob: t.logprob })),
        k,
      ),
    }));
  }
  const tokens = lp.tokens ?? [];
  return tokens.map((token, i) => ({
    index: 0,
    tokenId: tokenId(token),
    text: '',
    logprob: lp.token_logprobs?.[i] ?? Number.NaN,
    topLogprobs: sortAlternatives(
      Object.entries(lp.top_logprobs?.[i] ?? {}).map(([t, logprob]) => ({
        tokenId: tokenId(t),
        logprob,
      })),
      k,
    ),
  }));
}
