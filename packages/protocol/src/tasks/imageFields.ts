/**
 * Fields of the image tasks: the diffusion settings the generation tasks share, and the outputs a
 * miner fills for every image task (the image and what validators compare it by).
 */
import { z } from 'zod';
import { base64ImageField, loraIdField, modelIdField, seedField } from './fields';
import {
  CFG_SCALE_MAX,
  CFG_SCALE_MIN,
  CLIP_EMBEDDING_MAX_DIMS,
  DIMENSION_MAX,
  DIMENSION_MIN,
  DIMENSION_STEP,
  OUTPUT_IMAGE_MAX_BYTES,
  STEPS_MAX,
  STEPS_MIN,
} from './limits';

export const DEFAULT_STEPS = 10;
export const DEFAULT_CFG_SCALE = 3.0;
export const DEFAULT_DIMENSION = 1_024;

function dimensionField() {
  return z
    .int()
    .min(DIMENSION_MIN)
    .max(DIMENSION_MAX)
    .multipleOf(DIMENSION_STEP, { error: `must be a multiple of ${DIMENSION_STEP}` })
    .default(DEFAULT_DIMENSION);
}

/** Steps, guidance, size, seed, model and adapter: everything but the prompts and images. */
export function diffusionSettingFields() {
  return {
    steps: z.int().min(STEPS_MIN).max(STEPS_MAX).default(DEFAULT_STEPS),
    cfg_scale: z.number().min(CFG_SCALE_MIN).max(CFG_SCALE_MAX).default(DEFAULT_CFG_SCALE),
    width: dimensionField(),
    height: dimensionField(),
    seed: seedField(),
    model: modelIdField(),
    lora: loraIdField().optional(),
  };
}

/** The settings above in the order the hash covers them. */
export const DIFFUSION_SETTING_HASH_FIELDS = [
  'steps',
  'cfg_scale',
  'width',
  'height',
  'seed',
  'model',
  'lora',
] as const;

const HASH_HEX_RE = /^[0-9a-f]{1,256}$/;
const hashString = () => z.string().regex(HASH_HEX_RE, { error: 'must be lowercase hex' });

/** Perceptual hashes of an image, as hex strings, for near-duplicate comparison. */
export const imageHashesSchema = z.object({
  average_hash: hashString(),
  perceptual_hash: hashString(),
  difference_hash: hashString(),
  color_hash: hashString(),
});
export type ImageHashes = z.output<typeof imageHashesSchema>;

/** Outputs of the image tasks; absent until the miner answers. */
export function imageOutputFields() {
  return {
    image_b64: base64ImageField(OUTPUT_IMAGE_MAX_BYTES).optional(),
    image_hashes: imageHashesSchema.optional(),
    clip_embedding: z.array(z.number()).max(CLIP_EMBEDDING_MAX_DIMS).optional(),
    is_nsfw: z.boolean().optional(),
  };
}
