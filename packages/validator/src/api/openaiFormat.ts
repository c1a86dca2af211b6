/** OpenAI's response shapes for chat and text completions, whole and as stream chunks. */
import type { FinishReason } from '@subnet/protocol/tasks';

export type TextKind = 'chat' | 'completion';

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

export function chunkObject(kind: TextKind): string {
  return kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
}

/** One stream chunk: a piece of text (or the role opener), or the end with its finish reason. */
export function streamChunk(
  kind: TextKind,
  meta: CompletionMeta,
  part: { text?: string; role?: boolean; finish?: FinishReason | null },
): Record<string, unknown> {
  const finish = part.finish === undefined ? null : part.finish;
  const choice =
    kind === 'chat'
      ? {
          index: 0,
          delta: {
            ...(part.role ? { role: 'assistant' } : {}),
            ...(part.text === undefined ? {} : { content: part.text }),
          },
          finish_reason: finish,
        }
      : { index: 0, text: part.text ?? '', logprobs: null, finish_reason: finish };
  return { ...meta, object: chunkObject(kind), choices: [choice] };
}

export function wholeCompletion(
  kind: TextKind,
  meta: CompletionMeta,
  result: {
    text: string;
    finish: FinishReason | null;
    promptTokens: number;
    completionTokens: number;
  },
): Record<string, unknown> {
  const choice =
    kind === 'chat'
      ? {
          index: 0,
          message: { role: 'assistant', content: result.text },
          finish_reason: result.finish,
        }
      : { index: 0, text: result.text, logprobs: null, finish_reason: result.finish };
  return {
    ...meta,
    object: kind === 'chat' ? 'chat.completion' : 'text_completion',
    choices: [choice],
    usage: {
      prompt_tokens: result.promptTokens,
      completion_tokens: result.completionTokens,
      total_tokens: result.promptTokens + result.completionTokens,
    },
  };
}

export function sse(data: unknown): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}
