/**
 * The bounds of the task synapses, in one place. Image bounds follow the reference subnet for this
 * workload (SDXL-class models: sides 512..1344 in steps of 64, up to 50 steps, guidance up to 10,
 * seeds over 32 bits); LLM bounds follow OpenAI-compatible servers (temperature 0..2, top_p in
 * (0, 1], up to 20 alternatives per token).
 *
 * Byte limits on images are checked here, on the base64 text. Pixel limits need the decoded image
 * header and are checked where images are decoded (the inference package), against the numbers here.
 */

/** Seeds are chosen by the validator so that it can reproduce the work: 0..2^32-1. */
export const SEED_MAX = 4_294_967_295;

export const IMAGE_PROMPT_MAX_CHARS = 1_000;
export const STEPS_MIN = 1;
export const STEPS_MAX = 50;
export const CFG_SCALE_MIN = 1;
export const CFG_SCALE_MAX = 10;
/** Width and height: multiples of 64 inside the models' resolution buckets. */
export const DIMENSION_MIN = 512;
export const DIMENSION_MAX = 1_344;
export const DIMENSION_STEP = 64;
export const CONDITIONING_SCALE_MAX = 2;

/** Largest image a caller may send, decoded. */
export const INPUT_IMAGE_MAX_BYTES = 8 * 1024 * 1024;
/** Largest image a miner may answer with, decoded (an upscaled PNG is the big case). */
export const OUTPUT_IMAGE_MAX_BYTES = 32 * 1024 * 1024;
/** Decoded pixel limits, checked by the inference package when it decodes an image. */
export const INPUT_IMAGE_MAX_PIXELS = 2_048 * 2_048;
export const UPSCALE_INPUT_MAX_PIXELS = 1_344 * 1_344;
/** Uncrop: each side grows by at most this many pixels, in steps of the VAE's scale. */
export const UNCROP_EXTEND_MAX = 512;
export const UNCROP_EXTEND_STEP = 8;
/**
 * Uncrop: both sides of the extended canvas are multiples of 64, as every generated image's are
 * (the UNet halves the latent grid three times); the image itself need only be on the 8 grid.
 */
export const UNCROP_CANVAS_STEP = 64;
/** Uncrop: the extended canvas holds at most as many pixels as the largest generated image. */
export const UNCROP_CANVAS_MAX_PIXELS = 1_344 * 1_344;
/** Uncrop: neither side of the canvas may pass this (a 8 × 200000 strip is not an image). */
export const UNCROP_CANVAS_MAX_SIDE = 2_048;
export const CLIP_IMAGES_MAX = 10;
export const CLIP_EMBEDDING_MAX_DIMS = 4_096;

/** Most units of work a miner may offer per task kind and period (a bound on `Capacity.volume`). */
export const CAPACITY_VOLUME_MAX = 1_000_000;

export const MODEL_ID_MAX_CHARS = 128;
export const LORA_ID_MAX_CHARS = 64;

export const LLM_TEXT_MAX_CHARS = 32_768;
export const CHAT_MESSAGES_MAX = 64;
export const MAX_TOKENS_MAX = 4_096;
export const TEMPERATURE_MAX = 2;
export const TOP_K_MAX = 1_000;
export const TOP_LOGPROBS_MAX = 20;
export const STOP_SEQUENCES_MAX = 4;
export const STOP_SEQUENCE_MAX_CHARS = 64;
export const TOKEN_TEXT_MAX_CHARS = 1_024;

/** Length of the base64 text of `bytes` bytes, with padding. */
export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}
