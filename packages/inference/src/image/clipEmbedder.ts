import { InferenceError, InferenceErrorCode } from '../errors';
import * as ort from '../runtime/ort';
import { pixelTensor } from './pixelTensor';
import type { RgbImage } from './rgbImage';
import { tokenIdsTensor } from './tokenIds';

/** Token ids of one text, padded to the text tower's length (e.g. diffusion's PromptTokenizer). */
export interface TextIds {
  encode(text: string): number[];
}

/**
 * CLIP embeddings from ONNX towers: the vision tower takes `pixel_values` [batch, 3, S, S]
 * (S read from the model) and gives `image_embeds`; the text tower takes `input_ids` and gives
 * `text_embeds`. Every embedding is divided by its L2 norm, so a dot product is the cosine.
 */
export class ClipEmbedder {
  readonly imageSize: number;

  constructor(
    private readonly vision: ort.InferenceSession,
    private readonly text?: { session: ort.InferenceSession; tokenizer: TextIds },
  ) {
    const meta = vision.inputMetadata.find((m) => m.name === 'pixel_values');
    const size = meta?.isTensor ? meta.shape[3] : undefined;
    if (typeof size !== 'number') {
      throw new InferenceError(
        InferenceErrorCode.ModelShapeUnsupported,
        'the CLIP vision model needs a pixel_values input with a fixed size',
      );
    }
    this.imageSize = size;
  }

  async embedImages(images: readonly RgbImage[]): Promise<Float32Array[]> {
    const S = this.imageSize;
    const batch = new Float32Array(images.length * 3 * S * S);
    for (const [i, image] of images.entries())
      batch.set(await pixelTensor(image, S), i * 3 * S * S);
    const out = await this.vision.run({
      pixel_values: new ort.Tensor('float32', batch, [images.length, 3, S, S]),
    });
    return rows(out.image_embeds ?? out[this.vision.outputNames[0] ?? ''], images.length);
  }

  async embedTexts(texts: readonly string[]): Promise<Float32Array[]> {
    if (!this.text) {
      throw new InferenceError(
        InferenceErrorCode.ModelShapeUnsupported,
        'this CLIP model has no text tower',
      );
    }
    const ids = texts.map((t) => this.text?.tokenizer.encode(t) ?? []);
    const length = ids[0]?.length ?? 0;
    const out = await this.text.session.run({
      input_ids: tokenIdsTensor(this.text.session, ids.flat(), [texts.length, length]),
    });
    return rows(out.text_embeds ?? out[this.text.session.outputNames[0] ?? ''], texts.length);
  }
}

function rows(tensor: ort.Tensor | undefined, n: number): Float32Array[] {
  if (!tensor)
    throw new InferenceError(
      InferenceErrorCode.ModelShapeUnsupported,
      'the CLIP model returned no embeddings',
    );
  const data = tensor.data as Float32Array;
  const dims = data.length / n;
  return Array.from({ length: n }, (_, i) => normalize(data.slice(i * dims, (i + 1) * dims)));
}

export function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  return norm === 0 ? v : Float32Array.from(v, (x) => x / norm);
}

/** Cosine similarity of two vectors (a plain dot product for normalised embeddings). */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / Math.sqrt(na * nb);
}
