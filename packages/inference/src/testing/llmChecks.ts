import type { LlmEngine } from '../llm/llmEngine';
import { logSoftmax } from '../llm/logprobs';

/** Logprobs of the next token after `ids`, recomputed from scratch (no KV cache). */
export async function lastRowLogprobs(
  engine: LlmEngine,
  ids: readonly number[],
): Promise<Float64Array> {
  const { logits } = await engine.model.forward(ids, engine.model.emptyCache());
  return logSoftmax(logits.subarray(logits.length - engine.model.vocabSize));
}
