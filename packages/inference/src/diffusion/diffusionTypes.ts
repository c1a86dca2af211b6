import type { RgbImage } from '../image/rgbImage';
import type { AdapterSource } from '../llm/llmEngine';
import type { Logger } from '../log';
import type * as ort from '../runtime/ort';
import type { SchedulerConfigInput } from './createScheduler';
import type { UnetResidualLayout } from './diffusionExport';
import type { PromptTokenizer } from './promptTokenizer';

/** The ONNX sessions of one diffusion model (see openDiffusionPipeline for the folder layout). */
export interface DiffusionSessions {
  tokenizer: PromptTokenizer;
  textEncoder: ort.InferenceSession;
  unet: ort.InferenceSession;
  vaeDecoder: ort.InferenceSession;
  /** Needed for image-to-image and inpainting. */
  vaeEncoder?: ort.InferenceSession;
  /** Needed for ControlNet tasks. */
  controlNet?: ort.InferenceSession;
  /** SDXL's second text encoder (its pooled output feeds the UNet's text_embeds). */
  textEncoder2?: ort.InferenceSession;
  /** The second encoder's tokenizer (SDXL pads it with "!"); defaults to `tokenizer`. */
  tokenizer2?: PromptTokenizer;
}

export interface DiffusionPipelineOptions {
  scheduler?: SchedulerConfigInput;
  /** Latent scale of the VAE: 0.18215 (SD 1.x/2.x, the default) or 0.13025 (SDXL). */
  vaeScalingFactor?: number;
  /**
   * SDXL (model_index.json's force_zeros_for_empty_prompt): with guidance and an empty negative
   * prompt, the negative conditioning is zeros, as diffusers does for a negative prompt of None.
   */
  forceZerosForEmptyPrompt?: boolean;
  /**
   * The standard normal noise a task starts from (text-to-image latents before × initNoiseSigma;
   * the noise added to the image's latents for image-to-image). Default: drawn from the task's
   * PRNG, deriveSeed(seed, 'latents'). Given noise lets a run start from another implementation's
   * latents (parity tests against diffusers).
   */
  initialNoise?: (task: { seed: number; dims: readonly number[] }) => Float32Array;
  /** LoRA adapters of the UNet and text encoders (an AdapterStore over `pipeline.loraInputs`). */
  adapters?: AdapterSource;
  /** Largest decoded input image; defaults to the protocol's INPUT_IMAGE_MAX_PIXELS. */
  maxInputPixels?: number;
  /**
   * The hidden-state output of each text encoder. Default: last_hidden_state with one encoder;
   * with two (SDXL), each encoder's penultimate `hidden_states.N` output when it has them.
   */
  hiddenStateOutputs?: readonly string[];
  /** The UNet's ControlNet residual layout (unet/config.json), sizing the zeros fed without one. */
  unetResiduals?: UnetResidualLayout;
  logger?: Logger;
}

export interface DiffusionResult {
  image: RgbImage;
  /** The image as PNG (fixed settings: byte-identical for identical pixels). */
  png: Uint8Array;
  stepsRun: number;
  stepTimesMs: number[];
}
