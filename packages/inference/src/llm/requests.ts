import { z } from 'zod';
import { InferenceError, InferenceErrorCode } from '../errors';

const messageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});

const promptFields = {
  /** A raw prompt (no chat template). */
  prompt: z.string().optional(),
  /** Chat messages, rendered with the model's chat template and a generation prompt. */
  messages: z.array(messageSchema).min(1).optional(),
  /** Already tokenized prompt. */
  promptTokenIds: z.array(z.number().int().nonnegative()).min(1).optional(),
  /** Adapter id from the registry; none = the base model. */
  adapter: z.string().min(1).optional(),
};

function onePrompt(v: { prompt?: unknown; messages?: unknown; promptTokenIds?: unknown }): boolean {
  return [v.prompt, v.messages, v.promptTokenIds].filter((x) => x !== undefined).length === 1;
}
const onePromptMessage = { message: 'give exactly one of prompt, messages, promptTokenIds' };

export const generateRequestSchema = z
  .object({
    ...promptFields,
    maxTokens: z.number().int().min(1).max(32768).default(64),
    temperature: z.number().min(0).max(4).default(1),
    topP: z.number().gt(0).max(1).default(1),
    topK: z.number().int().min(0).default(0),
    /** Seed of the sampling stream (see random/xoshiro128.ts); ignored at temperature 0. */
    seed: z
      .union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.bigint()])
      .default(0),
    stop: z.array(z.string().min(1)).max(8).default([]),
    /** How many top alternatives to return with each token (0–20). */
    logprobs: z.number().int().min(0).max(20).default(0),
  })
  .refine(onePrompt, onePromptMessage);
export type GenerateRequest = z.input<typeof generateRequestSchema>;
export type ParsedGenerateRequest = z.output<typeof generateRequestSchema>;

export const scoreRequestSchema = z
  .object({
    ...promptFields,
    completion: z.string().optional(),
    completionTokenIds: z.array(z.number().int().nonnegative()).optional(),
    /** How many top alternatives to return at each completion position (0–20). */
    topK: z.number().int().min(0).max(20).default(5),
  })
  .refine(onePrompt, onePromptMessage)
  .refine((v) => (v.completion === undefined) !== (v.completionTokenIds === undefined), {
    message: 'give exactly one of completion, completionTokenIds',
  });
export type ScoreRequest = z.input<typeof scoreRequestSchema>;
export type ParsedScoreRequest = z.output<typeof scoreRequestSchema>;

/** A request the schemas refuse, one `field: reason` per problem (not zod's JSON dump). */
export function badRequest(error: z.ZodError): InferenceError {
  const problems = error.issues.map(
    (i) => `${i.path.map(String).join('.') || 'the request'}: ${i.message}`,
  );
  return new InferenceError(InferenceErrorCode.BadRequest, `bad request: ${problems.join('; ')}`);
}
