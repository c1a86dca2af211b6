/**
 * The LLM tasks (Chat, Completion) as engine requests: the miner generates with
 * `generateRequestOf`, the validator re-samples with the same request and scores the miner's
 * tokens with `scoreRequestOf`. Both share the prompt part (Chat's messages, rendered with the
 * model's template; Completion's raw prompt) and the adapter (`lora` → `adapter`, only when given).
 */
import type { GenerateRequest, ScoreRequest } from '../llm/requests';
import type { TaskFields } from './taskFields';

export type TextKind = 'Chat' | 'Completion';

type AdapterField = 'lora';
type SamplingField =
  | 'max_tokens'
  | 'temperature'
  | 'top_p'
  | 'top_k'
  | 'top_logprobs'
  | 'stop'
  | 'seed'
  | AdapterField;

/** The fields the prompt part of each kind reads. */
export interface TextPromptFieldsByKind {
  Chat: Pick<TaskFields<'Chat'>, 'messages' | AdapterField>;
  Completion: Pick<TaskFields<'Completion'>, 'prompt' | AdapterField>;
}

/** The fields a generate request of each kind reads. */
export interface TextFieldsByKind {
  Chat: Pick<TaskFields<'Chat'>, 'messages' | SamplingField>;
  Completion: Pick<TaskFields<'Completion'>, 'prompt' | SamplingField>;
}

type TextPrompt = {
  [K in TextKind]: { kind: K; fields: TextPromptFieldsByKind[K] };
}[TextKind];

type PromptPart = Pick<GenerateRequest, 'messages' | 'prompt' | 'adapter'>;

function promptPart<K extends TextKind>(kind: K, fields: TextPromptFieldsByKind[K]): PromptPart {
  // `kind` and `fields` are correlated by the signature; TypeScript cannot see it through K.
  const task = { kind, fields } as TextPrompt;
  const prompt =
    task.kind === 'Chat' ? { messages: task.fields.messages } : { prompt: task.fields.prompt };
  return { ...prompt, ...(fields.lora !== undefined ? { adapter: fields.lora } : {}) };
}

/**
 * The generate request of a Chat or Completion task: its sampling settings under the engine's
 * names, a copy of `stop`, `top_logprobs` as `logprobs`.
 */
export function generateRequestOf<K extends TextKind>(
  kind: K,
  fields: TextFieldsByKind[K],
): GenerateRequest {
  return {
    ...promptPart(kind, fields),
    maxTokens: fields.max_tokens,
    temperature: fields.temperature,
    topP: fields.top_p,
    topK: fields.top_k,
    seed: fields.seed,
    stop: [...fields.stop],
    logprobs: fields.top_logprobs,
  };
}

/** What a score request adds to the task's prompt: the tokens scored and the alternatives kept. */
export interface ScoredCompletion {
  completionTokenIds: readonly number[];
  /** How many top alternatives to return at each position. */
  topK: number;
}

/** The score request of a Chat or Completion task: its prompt and adapter, and the tokens scored. */
export function scoreRequestOf<K extends TextKind>(
  kind: K,
  fields: TextPromptFieldsByKind[K],
  scored: ScoredCompletion,
): ScoreRequest {
  return {
    ...promptPart(kind, fields),
    completionTokenIds: [...scored.completionTokenIds],
    topK: scored.topK,
  };
}
