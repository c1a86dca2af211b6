import { INPUT_IMAGE_MAX_PIXELS, SEED_MAX } from '@subnet/protocol/tasks';
import { type ZodType, z } from 'zod';
import { InferenceError, InferenceErrorCode } from '../errors';

/**
 * Parameters of the image tasks, named and bounded as the protocol's task synapses
 * (@subnet/protocol tasks/limits.ts); the miner maps synapse fields onto these. Width and
 * height here only need to be multiples of 8 (the VAE's scale) so that small test models run;
 * the wire bounds (512..1344 in steps of 64) are the protocol's to enforce.
 */
/** The protocol's bounds, used here as the pipelines' own (one definition). */
export { INPUT_IMAGE_MAX_PIXELS, SEED_MAX };

/** Encoded image bytes (PNG, JPEG or WebP); base64 is decoded before this. */
const imageBytes = () =>
  z.custom<Uint8Array>((v) => v instanceof Uint8Array, { error: 'must be image bytes' });

const side = () => z.int().min(8).max(4096).multipleOf(8, { error: 'must be a multiple of 8' });

export const textToImageParamsSchema = z
  .object({
    prompt: z.string().max(1000),
    negative_prompt: z.string().max(1000).default(''),
    steps: z.int().min(1).max(50).default(10),
    cfg_scale: z.number().min(0).max(30).default(3),
    width: side().default(1024),
    height: side().default(1024),
    seed: z.int().min(0).max(SEED_MAX),
    lora: z.string().min(1).max(64).optional(),
  })
  .strict();
export type TextToImageParams = z.output<typeof textToImageParamsSchema>;
export type TextToImageParamsInput = z.input<typeof textToImageParamsSchema>;

export const imageToImageParamsSchema = textToImageParamsSchema.extend({
  init_image: imageBytes(),
  /** 0 runs no denoising step (the VAE round trip of the image); 1 ignores the image. */
  image_strength: z.number().min(0).max(1).default(0.5),
});
export type ImageToImageParamsInput = z.input<typeof imageToImageParamsSchema>;

export const inpaintParamsSchema = textToImageParamsSchema.extend({
  init_image: imageBytes(),
  /** White (luma ≥ 128 after resizing to the latent grid) = repaint. */
  mask_image: imageBytes(),
});
export type InpaintParamsInput = z.input<typeof inpaintParamsSchema>;

export const controlNetParamsSchema = textToImageParamsSchema.extend({
  control_image: imageBytes(),
  conditioning_scale: z.number().min(0).max(2).default(1),
});
export type ControlNetParamsInput = z.input<typeof controlNetParamsSchema>;

const extension = () =>
  z.int().min(0).max(4096).multipleOf(8, { error: 'must be a multiple of 8' }).default(0);

/**
 * Uncrop: the canvas is the image's size plus the extensions (checked by `checkUncrop`), so the
 * task has no width or height of its own.
 */
export const uncropParamsSchema = textToImageParamsSchema
  .omit({ width: true, height: true })
  .extend({
    image: imageBytes(),
    extend_left: extension(),
    extend_right: extension(),
    extend_top: extension(),
    extend_bottom: extension(),
  });
export type UncropParamsInput = z.input<typeof uncropParamsSchema>;

/** A task's parameters checked against a pipeline's schema; a bad request names each field. */
export function parseImageParams<T>(schema: ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join('.') || '(root)'}: ${i.message}`,
    );
    throw new InferenceError(
      InferenceErrorCode.BadRequest,
      `invalid image task: ${problems.join('; ')}`,
    );
  }
  return parsed.data;
}
