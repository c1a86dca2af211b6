import type { RunControl } from '../diffusion/denoiseLoop';
import type { PromptTokenizer } from '../diffusion/promptTokenizer';
import { InferenceError, InferenceErrorCode } from '../errors';
import { tokenIdsTensor } from '../image/tokenIds';
import * as ort from '../runtime/ort';
import type { KandinskyExportSettings } from './kandinskyExport';
import type { ImageEmbeddings } from './kandinskyTypes';
import { UnclipScheduler } from './unclipScheduler';

/** Token ids and the attention mask of one text (1 for the start token … the end token). */
export interface PromptTokens {
  ids: number[];
  mask: number[];
}

export function promptTokens(tokenizer: PromptTokenizer, text: string): PromptTokens {
  const ids = tokenizer.encode(text);
  const end = ids.indexOf(tokenizer.eosId, 1);
  const last = end < 0 ? ids.length - 1 : end;
  return { ids, mask: ids.map((_, i) => (i <= last ? 1 : 0)) };
}

interface Encoded {
  /** [rows, D]: the projected (pooled) text embeddings. */
  embeds: Float32Array;
  /** [rows, L, D]: the last hidden states. */
  hidden: Float32Array;
  mask: BigInt64Array;
  length: number;
}

/**
 * The unCLIP prior: CLIP text encoding, then the PriorTransformer denoising an image embedding
 * with the UnCLIP scheduler; the result is un-normalised with the prior's CLIP statistics.
 * Rows as diffusers batches them: with guidance, [unconditional rows; conditional rows]; with
 * guidance and a negative prompt the prior also runs on it (conditional = unconditional = the negative prompt),
 * and that row's result is the negative image embedding; without one, the unconditional text is
 * "" and the negative image embedding is the image encoder's embedding of a black image (also
 * without guidance, when the decoder does not use it).
 */
export class PriorModel {
  constructor(
    private readonly parts: {
      tokenizer: PromptTokenizer;
      textEncoder: ort.InferenceSession;
      prior: ort.InferenceSession;
      settings: KandinskyExportSettings;
    },
  ) {}

  tokens(text: string): PromptTokens {
    return promptTokens(this.parts.tokenizer, text);
  }

  async run(options: {
    prompt: string;
    negative: string;
    guidance: number;
    steps: number;
    initialNoise: (dims: readonly number[]) => Float32Array;
    stepNoise: (step: number, dims: readonly number[]) => Float32Array;
    control?: RunControl;
    onStep: (timestep: number, ms: number) => void;
  }): Promise<ImageEmbeddings> {
    const { settings } = this.parts;
    const guided = options.guidance > 1;
    const withNegative = guided && options.negative !== '';
    const cond = withNegative ? [options.prompt, options.negative] : [options.prompt];
    const uncond = withNegative ? [options.negative, options.negative] : [''];
    const texts = guided ? [...uncond, ...cond] : cond;
    const text = await this.encode(texts);
    const rows = cond.length;
    const D = settings.embeddingDim;
    const scheduler = new UnclipScheduler(settings.priorScheduler, options.steps);
    let latents = options.initialNoise([rows, D]);
    if (latents.length !== rows * D) throw badNoise(latents.length, [rows, D]);
    const total = scheduler.timesteps.length;
    for (let i = 0; i < total; i++) {
      if (options.control?.signal?.aborted) {
        throw new InferenceError(
          InferenceErrorCode.Cancelled,
          `cancelled before prior step ${i + 1} of ${total}`,
        );
      }
      const started = performance.now();
      const t = scheduler.timesteps[i] as number;
      const input = guided ? repeat(latents, 2) : latents;
      const out = await this.parts.prior.run({
        hidden_states: new ort.Tensor('float32', input, [texts.length, D]),
        timestep: new ort.Tensor('int64', BigInt64Array.of(BigInt(t)), [1]),
        proj_embedding: new ort.Tensor('float32', text.embeds, [texts.length, D]),
        encoder_hidden_states: new ort.Tensor('float32', text.hidden, [
          texts.length,
          text.length,
          text.hidden.length / (texts.length * text.length),
        ]),
        attention_mask: new ort.Tensor('int64', text.mask, [texts.length, text.length]),
      });
      const pred = firstOutput(out, this.parts.prior, 'predicted_image_embedding');
      const n = rows * D;
      const guidedPred = guided
        ? Float32Array.from({ length: n }, (_, j) => {
            const u = pred[j] as number;
            return u + options.guidance * ((pred[n + j] as number) - u);
          })
        : pred;
      latents = scheduler.step(guidedPred, i, latents, (count) => {
        const z = options.stepNoise(i, [rows, D]);
        if (z.length !== count) throw badNoise(z.length, [rows, D]);
        return z;
      });
      options.onStep(t, performance.now() - started);
    }
    const embeds = latents.map(
      (v, j) => v * (settings.clipStd[j % D] as number) + (settings.clipMean[j % D] as number),
    );
    return {
      imageEmbeds: embeds.slice(0, D),
      negativeImageEmbeds: withNegative ? embeds.slice(D, 2 * D) : settings.zeroImageEmbeds.slice(),
      timesteps: scheduler.timesteps,
    };
  }

  private async encode(texts: readonly string[]): Promise<Encoded> {
    const unique = [...new Set(texts)];
    const tokens = unique.map((t) => this.tokens(t));
    const length = (tokens[0] as PromptTokens).ids.length;
    const session = this.parts.textEncoder;
    const out = await session.run({
      input_ids: tokenIdsTensor(
        session,
        tokens.flatMap((t) => t.ids),
        [unique.length, length],
      ),
    });
    const embeds = firstOutput(out, session, 'text_embeds');
    const hidden = (out.last_hidden_state?.data as Float32Array | undefined) ?? undefined;
    if (!hidden) throw unsupported('the text encoder has no last_hidden_state output');
    const D = embeds.length / unique.length;
    const H = hidden.length / unique.length;
    const pick = (data: Float32Array, width: number) => {
      const rows = new Float32Array(texts.length * width);
      texts.forEach((t, r) => {
        const k = unique.indexOf(t);
        rows.set(data.subarray(k * width, (k + 1) * width), r * width);
      });
      return rows;
    };
    const mask = BigInt64Array.from(
      texts.flatMap((t) => (tokens[unique.indexOf(t)] as PromptTokens).mask),
      BigInt,
    );
    return { embeds: pick(embeds, D), hidden: pick(hidden, H), mask, length };
  }
}

function repeat(values: Float32Array, times: number): Float32Array {
  const out = new Float32Array(values.length * times);
  for (let k = 0; k < times; k++) out.set(values, k * values.length);
  return out;
}

function firstOutput(
  out: ort.InferenceSession.OnnxValueMapType,
  session: ort.InferenceSession,
  name: string,
): Float32Array {
  const value = out[name] ?? out[session.outputNames[0] ?? ''];
  if (!value) throw unsupported(`the model returned no ${name}`);
  return value.data as Float32Array;
}

export function badNoise(got: number, dims: readonly number[]): InferenceError {
  return new InferenceError(
    InferenceErrorCode.BadRequest,
    `the given noise has ${got} values for a tensor of shape [${dims.join(', ')}]`,
  );
}

function unsupported(message: string): InferenceError {
  return new InferenceError(InferenceErrorCode.ModelShapeUnsupported, message);
}
