/**
 * The image check: the validator re-generates the task with the same seed and parameters through
 * its own diffusion pipeline (the stored task parsed by its synapse's schema, then mapped to the
 * pipeline call by `@subnet/inference/tasks`, as the miner maps it), computes the image features
 * of both images itself (the four perceptual hashes and the full-resolution detail ratio, with
 * the luma PSNR and color shift in the details; CLIP embeddings when a CLIP model is configured;
 * the NSFW flag when a classifier is), and scores them with the scoring package: the reward
 * model's probability that both come from the same parameters, then `checkImage`. The detail
 * ratio is what catches an image rendered small and upscaled, or blurred: its thumbnails, and so
 * its hashes, match the reference's. Without CLIP the combined score rests on the reward model
 * alone (reward weight 1, CLIP weight 0, no CLIP penalty), with its probability read relative to
 * its probability for an identical image (so an exact reproduction scores 1 even though the model
 * gives it less than the 0.95 that scores 1 when CLIP is not there to add to it). The hashes the
 * miner reports are not trusted: they are recomputed from its image. An uncrop must give the task's
 * image back pixel for pixel where the canvas puts it (else 0, `original-changed`), and is then
 * compared on the painted area alone (the kept area blanked in both images), so that a large kept
 * area cannot hide a lazy fill.
 */
import { type DiffusionResult, type UncropCanvas, uncropCanvas } from '@subnet/inference/diffusion';
import {
  cosineSimilarity,
  decodeImage,
  detailFeatures,
  type ImageHashes as FeatureHashes,
  imageBytesFromBase64,
  imageHashes,
  type RgbImage,
  readImageHeader,
} from '@subnet/inference/image';
import {
  type DiffusionFieldsByKind,
  type DiffusionKind,
  type DiffusionRunner,
  isDiffusionKind,
  runDiffusionTask,
  taskFields,
  upscaleInputOf,
} from '@subnet/inference/tasks';
import {
  type TaskKind,
  UNCROP_CANVAS_MAX_PIXELS,
  UPSCALE_INPUT_MAX_PIXELS,
} from '@subnet/protocol/tasks';
import {
  checkImage,
  DEFAULT_SCORING_CONFIG,
  type ImageCheckConfig,
  type ImageHashes,
  sameImageProbability,
} from '@subnet/scoring';
import type { CheckModels, CheckOutcome } from './checkTypes';
import { WorkError, WorkErrorCode } from './errors';

/** Largest answer image decoded: an x4 upscale of the largest upscale input. */
const ANSWER_MAX_PIXELS = UPSCALE_INPUT_MAX_PIXELS * 16;

/** The image kinds this check reproduces (diffusion pipelines; the upscaler for Upscale). */
export const REPRODUCIBLE_IMAGE_KINDS = [
  'TextToImage',
  'ImageToImage',
  'Inpaint',
  'Uncrop',
  'ControlNet',
  'Upscale',
] as const;

export function scoringHashes(h: FeatureHashes): ImageHashes {
  return {
    average: h.average_hash,
    perceptual: h.perceptual_hash,
    difference: h.difference_hash,
    color: h.color_hash,
  };
}

/** Re-runs a diffusion task with its own seed and parameters. */
export function reproduceImage<K extends DiffusionKind>(
  pipeline: DiffusionRunner,
  kind: K,
  fields: DiffusionFieldsByKind[K],
): Promise<DiffusionResult> {
  return runDiffusionTask(pipeline, kind, fields);
}

/**
 * How the validator makes its reference image for the task; throws when it lacks the model, when
 * the kind is not reproduced here, or when the stored task is not a valid one of its kind.
 */
function referenceMaker(
  models: CheckModels,
  kind: TaskKind,
  input: Record<string, unknown>,
): () => Promise<RgbImage> {
  if (kind === 'Upscale') {
    const fields = taskFields(kind, input);
    const upscaler = models.upscaler?.(fields.model);
    if (!upscaler)
      throw new WorkError(WorkErrorCode.NoReference, `no local upscaler '${fields.model}'`);
    return async () => (await upscaler.upscaleBytes(upscaleInputOf(fields))).image;
  }
  if (!isDiffusionKind(kind)) {
    throw new WorkError(
      WorkErrorCode.UnsupportedTask,
      `${kind} is not reproduced by a diffusion pipeline`,
    );
  }
  const fields = taskFields(kind, input);
  const pipeline = models.diffusion?.(fields.model);
  if (!pipeline)
    throw new WorkError(WorkErrorCode.NoReference, `no local diffusion model '${fields.model}'`);
  return async () => (await reproduceImage(pipeline, kind, fields)).image;
}

/** The uncrop task's own image and where it sits on the canvas (the task is already valid). */
async function uncropKeptArea(
  input: Record<string, unknown>,
): Promise<{ image: RgbImage; canvas: UncropCanvas }> {
  const fields = taskFields('Uncrop', input);
  const bytes = imageBytesFromBase64(fields.image);
  const canvas = uncropCanvas(await readImageHeader(bytes), fields);
  return { image: await decodeImage(bytes, { maxPixels: UNCROP_CANVAS_MAX_PIXELS }), canvas };
}

/** Whether `answer` has `kept`'s pixels, exactly, where the canvas puts them. */
function samePixels(answer: RgbImage, kept: RgbImage, canvas: UncropCanvas): boolean {
  const row = kept.width * 3;
  for (let y = 0; y < kept.height; y++) {
    const at = ((y + canvas.top) * answer.width + canvas.left) * 3;
    const mine = answer.data.subarray(at, at + row);
    const theirs = kept.data.subarray(y * row, (y + 1) * row);
    if (!Buffer.from(mine).equals(Buffer.from(theirs))) return false;
  }
  return true;
}

/** A copy of `image` with the kept area flat mid grey, so features see the painted area alone. */
function blankArea(image: RgbImage, kept: RgbImage, canvas: UncropCanvas): RgbImage {
  const data = Uint8Array.from(image.data);
  for (let y = 0; y < kept.height; y++) {
    const at = ((y + canvas.top) * image.width + canvas.left) * 3;
    data.fill(128, at, at + kept.width * 3);
  }
  return { width: image.width, height: image.height, data };
}

function zero(reason: string): CheckOutcome {
  return { score: 0, penalty: 0, reason, details: {} };
}

async function minerImage(outputs: Record<string, unknown>): Promise<RgbImage | undefined> {
  if (typeof outputs.image_b64 !== 'string') return undefined;
  try {
    return await decodeImage(imageBytesFromBase64(outputs.image_b64), {
      maxPixels: ANSWER_MAX_PIXELS,
    });
  } catch {
    return undefined;
  }
}

export async function checkImageAnswer(
  models: CheckModels,
  kind: TaskKind,
  input: Record<string, unknown>,
  outputs: Record<string, unknown>,
): Promise<CheckOutcome> {
  const reproduce = referenceMaker(models, kind, input);
  if (outputs.image_b64 === undefined) return zero('no-image');
  const answered = await minerImage(outputs);
  if (!answered) return zero('bad-image');
  const reproduced = await reproduce();
  if (answered.width !== reproduced.width || answered.height !== reproduced.height) {
    return zero('wrong-size');
  }
  // The images compared. An uncrop's painted area alone: the kept one matches in every honest or
  // lazy answer. The miner's claims (CLIP embedding, NSFW flag) are about the whole image.
  let reference = reproduced;
  let image = answered;
  if (kind === 'Uncrop') {
    const kept = await uncropKeptArea(input);
    if (!samePixels(answered, kept.image, kept.canvas)) return zero('original-changed');
    reference = blankArea(reproduced, kept.image, kept.canvas);
    image = blankArea(answered, kept.image, kept.canvas);
  }
  const referenceHashes = scoringHashes(imageHashes(reference));
  const detail = detailFeatures(reference, image);
  const p = sameImageProbability(models.rewardModel, {
    reference: referenceHashes,
    candidate: scoringHashes(imageHashes(image)),
    detail,
  });
  let sameProbability = p;
  let config: ImageCheckConfig = models.scoring?.image ?? DEFAULT_SCORING_CONFIG.image;
  let clipSimilarity = 1;
  let claimedClipConsistency: number | undefined;
  if (models.clip) {
    const [ref, mine] = await models.clip.embedImages([reference, image]);
    clipSimilarity = cosineSimilarity(ref as Float32Array, mine as Float32Array);
    const claimed = outputs.clip_embedding as number[] | undefined;
    const whole = image === answered ? mine : (await models.clip.embedImages([answered]))[0];
    if (claimed && claimed.length === (whole as Float32Array).length) {
      claimedClipConsistency = cosineSimilarity(claimed, whole as Float32Array);
    }
  } else {
    config = { ...config, rewardWeight: 1, clipWeight: 0, blatantMismatchBelow: 0 };
    const identical = sameImageProbability(models.rewardModel, {
      reference: referenceHashes,
      candidate: referenceHashes,
      detail: detailFeatures(reference, reference),
    });
    sameProbability = Math.min(1, p / identical);
  }
  const referenceNsfw = models.nsfw ? (await models.nsfw.classify(reproduced)).nsfw : false;
  const result = checkImage(
    {
      sameProbability,
      clipSimilarity,
      ...(claimedClipConsistency !== undefined ? { claimedClipConsistency } : {}),
      minerNsfw: outputs.is_nsfw === true,
      referenceNsfw,
    },
    config,
  );
  return {
    score: result.score,
    penalty: result.penalty,
    reason: result.reason,
    details: {
      sameProbability: p,
      calibratedProbability: sameProbability,
      clipSimilarity,
      lumaPsnr: detail.lumaPsnr,
      detailRatio: detail.detailRatio,
      colorShift: detail.colorShift,
    },
  };
}
