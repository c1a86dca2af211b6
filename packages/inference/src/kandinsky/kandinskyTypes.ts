import type { PromptTokenizer } from '../diffusion/promptTokenizer';
import type { Logger } from '../log';
import type * as ort from '../runtime/ort';

/** The two denoising stages: the prior (image embedding) and the decoder (latents). */
export type KandinskyStage = 'prior' | 'decoder';

/** The ONNX sessions of one Kandinsky 2.2 export (see openKandinskyPipeline for the layout). */
export interface KandinskySessions {
  tokenizer: PromptTokenizer;
  textEncoder: ort.InferenceSession;
  prior: ort.InferenceSession;
  unet: ort.InferenceSession;
  movqDecoder: ort.InferenceSession;
  /** Needed for image-to-image. */
  movqEncoder?: ort.InferenceSession;
}

export interface KandinskyPipelineOptions {
  /**
   * The standard normal noise a stage starts from: the prior's latents [rows, embedding] (rows:
   * the prompt, and the negative prompt when one is given and guidance is on), the decoder's
   * latents [1, C, h, w] (image-to-image: the noise added to the image's latents). Default: the
   * task's PRNG, deriveSeed(seed, 'prior-latents') and deriveSeed(seed, 'latents'). Given noise
   * lets a run start from another implementation's draws (parity tests against diffusers).
   */
  initialNoise?: (task: {
    seed: number;
    dims: readonly number[];
    stage: KandinskyStage;
  }) => Float32Array;
  /**
   * The standard normal noise a sampler step adds (both stages are ancestral samplers; a step at
   * timestep 0 draws none). `step` is the 0-based index of the step in the stage's run. Default:
   * deriveSeed(seed, 'prior-steps') and deriveSeed(seed, 'steps'), drawn in step order.
   */
  stepNoise?: (task: {
    seed: number;
    dims: readonly number[];
    stage: KandinskyStage;
    step: number;
  }) => Float32Array;
  /** Prior sampler steps (≥ 2; diffusers' combined pipelines default to 25). Default 25. */
  priorSteps?: number;
  /** The prior's guidance scale; default: the task's cfg_scale (one scale for both stages). */
  priorGuidanceScale?: number;
  /** Largest decoded input image; defaults to the protocol's INPUT_IMAGE_MAX_PIXELS. */
  maxInputPixels?: number;
  logger?: Logger;
}

/** The prior's result: the image embedding of the prompt and the negative one. */
export interface ImageEmbeddings {
  imageEmbeds: Float32Array;
  negativeImageEmbeds: Float32Array;
  /** The prior's timesteps as run. */
  timesteps: Float64Array;
}
