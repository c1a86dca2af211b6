import type { PromptTokenizer } from '../diffusion/promptTokenizer';
import { InferenceError, InferenceErrorCode } from '../errors';
import * as ort from '../runtime/ort';
import type { T5PromptTokenizer } from './t5Tokenizer';

/** Flux's text conditioning of one prompt. */
export interface FluxTextConditioning {
  /** CLIP's pooled output (`pooler_output`), [1, pooled dim]: feeds `pooled_projections`. */
  pooled: ort.Tensor;
  /** T5's last hidden state over the padded ids, [1, max length, d_model]: `encoder_hidden_states`. */
  embeds: ort.Tensor;
  clipIds: number[];
  t5Ids: number[];
}

/**
 * The prompt through both text encoders, as Flux conditions on it: CLIP on 77 ids (start,
 * tokens, end, padding) for its pooled output, T5 on maxLength ids (tokens, `</s>`, `<pad>`…)
 * for its per-token states. No attention mask is fed to either (the reference feeds none).
 */
export async function encodeFluxPrompt(options: {
  prompt: string;
  clipTokenizer: PromptTokenizer;
  clipEncoder: ort.InferenceSession;
  t5Tokenizer: T5PromptTokenizer;
  t5Encoder: ort.InferenceSession;
}): Promise<FluxTextConditioning> {
  const clipIds = options.clipTokenizer.encode(options.prompt);
  const t5Ids = options.t5Tokenizer.encode(options.prompt);
  const clipOut = await options.clipEncoder.run({ input_ids: idsTensor(clipIds) });
  const pooled = clipOut.pooler_output;
  if (!pooled) throw unsupported('the CLIP text encoder has no pooler_output output');
  const t5Out = await options.t5Encoder.run({ input_ids: idsTensor(t5Ids) });
  const embeds = t5Out.last_hidden_state ?? t5Out[options.t5Encoder.outputNames[0] ?? ''];
  if (!embeds) throw unsupported('the T5 text encoder returned no output');
  return { pooled, embeds, clipIds, t5Ids };
}

function idsTensor(ids: readonly number[]): ort.Tensor {
  return new ort.Tensor(
    'int64',
    BigInt64Array.from(ids, (id) => BigInt(id)),
    [1, ids.length],
  );
}

function unsupported(message: string): InferenceError {
  return new InferenceError(InferenceErrorCode.ModelShapeUnsupported, message);
}
