/**
 * The events of a streamed Chat or Completion answer, each framed by `streamEvents.ts`:
 * a `token` event per generated token (its text, its logprob and the top alternatives), then one
 * `done` event, or an `error` event if the miner fails midway. `foldTextStream` turns the events
 * into the synapse's outputs and checks that no token was lost or reordered.
 */
import { z } from 'zod';
import { ProtocolError, ProtocolErrorCode } from '../errors';
import { MAX_TOKENS_MAX, TOP_LOGPROBS_MAX } from './limits';
import {
  FINISH_REASONS,
  type FinishReason,
  logprobSchema,
  type TokenLogprob,
  tokenTextSchema,
  topLogprobSchema,
} from './textFields';

export const textTokenEventSchema = z.object({
  type: z.literal('token'),
  /** 0 for the first generated token, then 1, 2, ... */
  index: z
    .int()
    .min(0)
    .max(MAX_TOKENS_MAX - 1),
  token: tokenTextSchema,
  token_id: z.int().min(0).optional(),
  logprob: logprobSchema,
  top_logprobs: z.array(topLogprobSchema).max(TOP_LOGPROBS_MAX),
});

export const textDoneEventSchema = z.object({
  type: z.literal('done'),
  finish_reason: z.enum(FINISH_REASONS),
  prompt_tokens: z.int().min(0),
  completion_tokens: z.int().min(0).max(MAX_TOKENS_MAX),
});

export const textErrorEventSchema = z.object({
  type: z.literal('error'),
  message: z.string().max(1_024),
});

export const textStreamEventSchema = z.discriminatedUnion('type', [
  textTokenEventSchema,
  textDoneEventSchema,
  textErrorEventSchema,
]);

export type TextTokenEvent = z.output<typeof textTokenEventSchema>;
export type TextDoneEvent = z.output<typeof textDoneEventSchema>;
export type TextErrorEvent = z.output<typeof textErrorEventSchema>;
export type TextStreamEvent = z.output<typeof textStreamEventSchema>;

/** Validates one decoded event; throws `PROTOCOL_BAD_BODY` naming the bad field. */
export function parseTextStreamEvent(value: unknown): TextStreamEvent {
  const result = textStreamEventSchema.safeParse(value);
  if (!result.success) {
    const detail = result.error.issues
      .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
      .join('; ');
    throw new ProtocolError(ProtocolErrorCode.BadBody, `invalid stream event: ${detail}`, {
      cause: result.error,
    });
  }
  return result.data;
}

export interface TextStreamResult {
  text: string;
  token_logprobs: TokenLogprob[];
  /** Null when the stream ended without a `done` event (cut off, or failed). */
  finish_reason: FinishReason | null;
  /** The miner's message when it sent an `error` event. */
  error: string | null;
}

function fail(message: string): never {
  throw new ProtocolError(ProtocolErrorCode.BadBody, message);
}

/** Folds a stream's events, in arrival order, into the Chat/Completion outputs. */
export function foldTextStream(events: readonly unknown[]): TextStreamResult {
  const result: TextStreamResult = {
    text: '',
    token_logprobs: [],
    finish_reason: null,
    error: null,
  };
  let ended = false;
  for (const raw of events) {
    const event = parseTextStreamEvent(raw);
    if (ended) fail(`a '${event.type}' event came after the stream ended`);
    if (event.type === 'token') {
      const expected = result.token_logprobs.length;
      if (event.index !== expected)
        fail(`token event ${event.index} came where ${expected} was due`);
      result.text += event.token;
      const entry: TokenLogprob = {
        token: event.token,
        logprob: event.logprob,
        top_logprobs: event.top_logprobs,
      };
      if (event.token_id !== undefined) entry.token_id = event.token_id;
      result.token_logprobs.push(entry);
    } else if (event.type === 'done') {
      if (event.completion_tokens !== result.token_logprobs.length) {
        fail(
          `the done event counts ${event.completion_tokens} tokens, the stream had ${result.token_logprobs.length}`,
        );
      }
      result.finish_reason = event.finish_reason;
      ended = true;
    } else {
      result.error = event.message;
      ended = true;
    }
  }
  return result;
}
