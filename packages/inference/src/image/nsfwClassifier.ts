import { InferenceError, InferenceErrorCode } from '../errors';
import * as ort from '../runtime/ort';
import { CLIP_MEAN, CLIP_STD, pixelTensor } from './pixelTensor';
import type { RgbImage } from './rgbImage';

export interface NsfwVerdict {
  /** Softmax probability of the NSFW class. */
  probability: number;
  /** probability ≥ threshold. */
  nsfw: boolean;
}

/**
 * An image classifier as an NSFW flag: `pixel_values` [batch, 3, S, S] (CLIP preprocessing
 * unless other mean/std are given) → `logits` [batch, classes]; the flag is
 * softmax(logits)[nsfwClass] ≥ threshold. The miner reports the flag, the validator re-checks it.
 */
export class NsfwClassifier {
  readonly imageSize: number;
  private readonly threshold: number;
  private readonly nsfwClass: number;
  private readonly norm: { mean: readonly number[]; std: readonly number[] };

  constructor(
    private readonly session: ort.InferenceSession,
    options: {
      threshold?: number;
      nsfwClass?: number;
      mean?: readonly number[];
      std?: readonly number[];
    } = {},
  ) {
    const meta = session.inputMetadata.find((m) => m.name === 'pixel_values');
    const size = meta?.isTensor ? meta.shape[3] : undefined;
    if (typeof size !== 'number') {
      throw new InferenceError(
        InferenceErrorCode.ModelShapeUnsupported,
        'the NSFW model needs a fixed-size pixel_values input',
      );
    }
    this.imageSize = size;
    this.threshold = options.threshold ?? 0.5;
    this.nsfwClass = options.nsfwClass ?? 1;
    this.norm = { mean: options.mean ?? CLIP_MEAN, std: options.std ?? CLIP_STD };
  }

  async classify(image: RgbImage): Promise<NsfwVerdict> {
    const S = this.imageSize;
    const x = await pixelTensor(image, S, this.norm);
    const out = await this.session.run({
      pixel_values: new ort.Tensor('float32', x, [1, 3, S, S]),
    });
    const logits = (out.logits ?? out[this.session.outputNames[0] ?? ''])?.data as
      | Float32Array
      | undefined;
    if (!logits || logits.length <= this.nsfwClass) {
      throw new InferenceError(
        InferenceErrorCode.ModelShapeUnsupported,
        'the NSFW model returned no usable logits',
      );
    }
    const max = Math.max(...logits);
    let sum = 0;
    for (const l of logits) sum += Math.exp(l - max);
    const probability = Math.exp((logits[this.nsfwClass] as number) - max) / sum;
    return { probability, nsfw: probability >= this.threshold };
  }
}
