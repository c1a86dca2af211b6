import { InferenceError, InferenceErrorCode } from '../errors';
import { tokenIdsTensor } from '../image/tokenIds';
import type { AdapterFeeds } from '../llm/decoderModel';
import * as ort from '../runtime/ort';
import type { LoraInputs } from './loraInputs';
import type { PromptTokenizer } from './promptTokenizer';

export interface TextEncoderPart {
  session: ort.InferenceSession;
  tokenizer: PromptTokenizer;
  /** The hidden-state output used (SD: last_hidden_state; SDXL exports: the penultimate layer). */
  output: string;
  /** The encoder's LoRA inputs (fed from the active adapter, else zeros). */
  lora: LoraInputs;
}

export interface TextConditioning {
  /** [batch, seq, Σ hidden]: the encoders' states joined along the hidden axis. */
  context: ort.Tensor;
  /** SDXL's added conditions (`text_embeds`, `time_ids`) when the UNet takes them. */
  extra: Record<string, ort.Tensor>;
}

/**
 * Encodes [negative, prompt] (guided) or [prompt] with one or two CLIP text encoders. With two
 * (SDXL), the UNet's `encoder_hidden_states` is the concatenation of both encoders' states, its
 * `text_embeds` is the last encoder's pooled output (`text_embeds`, else `pooler_output`), and
 * its `time_ids` are [height, width, 0, 0, height, width] (original size, crop origin, target size)
 * for every batch row (diffusers' defaults: original and target size = the image size, crop at 0, 0).
 * With `zeroNegative` (SDXL's `force_zeros_for_empty_prompt` and an empty negative prompt), the
 * negative row of both the states and the pooled embeds is zeros, as diffusers conditions it;
 * only the prompt is encoded.
 */
export async function encodeText(options: {
  encoders: readonly TextEncoderPart[];
  prompt: string;
  negative: string;
  guided: boolean;
  unetInputs: readonly string[];
  size: { width: number; height: number };
  adapter?: AdapterFeeds;
  zeroNegative?: boolean;
}): Promise<TextConditioning> {
  const zeroNegative = options.guided && options.zeroNegative === true;
  const texts =
    options.guided && !zeroNegative ? [options.negative, options.prompt] : [options.prompt];
  const encoded = texts.length;
  const batch = options.guided ? 2 : 1;
  const states: ort.Tensor[] = [];
  let pooled: ort.Tensor | undefined;
  for (const encoder of options.encoders) {
    const length = encoder.tokenizer.options.maxLength;
    const ids = texts.flatMap((t) => encoder.tokenizer.encode(t));
    const out = await encoder.session.run({
      input_ids: tokenIdsTensor(encoder.session, ids, [encoded, length]),
      ...encoder.lora.feeds(options.adapter),
    });
    const hidden = out[encoder.output];
    if (!hidden) throw unsupported(`the text encoder has no output named ${encoder.output}`);
    states.push(hidden);
    pooled = out.text_embeds ?? out.pooler_output;
  }
  const joined = states.length === 1 ? (states[0] as ort.Tensor) : concatLastAxis(states);
  const context = zeroNegative ? withZeroRow(joined) : joined;
  if (zeroNegative && pooled) pooled = withZeroRow(pooled);
  const extra: Record<string, ort.Tensor> = {};
  if (options.unetInputs.includes('text_embeds')) {
    if (!pooled)
      throw unsupported('the UNet takes text_embeds but no text encoder gives a pooled output');
    extra.text_embeds = pooled;
  }
  if (options.unetInputs.includes('time_ids')) {
    const { width, height } = options.size;
    const row = [height, width, 0, 0, height, width];
    extra.time_ids = new ort.Tensor(
      'float32',
      Float32Array.from({ length: 6 * batch }, (_, i) => row[i % 6] as number),
      [batch, 6],
    );
  }
  return { context, extra };
}

function concatLastAxis(tensors: readonly ort.Tensor[]): ort.Tensor {
  const [batch, seq] = (tensors[0] as ort.Tensor).dims as [number, number, number];
  const widths = tensors.map((t) => {
    if (t.dims[0] !== batch || t.dims[1] !== seq)
      throw unsupported('the text encoders disagree on batch or sequence length');
    return t.dims[2] as number;
  });
  const total = widths.reduce((a, b) => a + b, 0);
  const out = new Float32Array(batch * seq * total);
  for (let r = 0; r < batch * seq; r++) {
    let offset = 0;
    for (const [i, t] of tensors.entries()) {
      const w = widths[i] as number;
      out.set((t.data as Float32Array).subarray(r * w, (r + 1) * w), r * total + offset);
      offset += w;
    }
  }
  return new ort.Tensor('float32', out, [batch, seq, total]);
}

/** The tensor with an all-zero first row added along the batch axis. */
function withZeroRow(tensor: ort.Tensor): ort.Tensor {
  const [rows, ...rest] = tensor.dims as [number, ...number[]];
  const data = tensor.data as Float32Array;
  const out = new Float32Array(data.length + data.length / rows);
  out.set(data, data.length / rows);
  return new ort.Tensor('float32', out, [rows + 1, ...rest]);
}

function unsupported(message: string): InferenceError {
  return new InferenceError(InferenceErrorCode.ModelShapeUnsupported, message);
}
