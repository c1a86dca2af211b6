import type { PromptTokenizer } from '../diffusion/promptTokenizer';
import type { AdapterSource } from '../llm/llmEngine';
import type { Logger } from '../log';
import type * as ort from '../runtime/ort';
import type { FluxExportSettings } from './fluxExport';
import type { T5PromptTokenizer } from './t5Tokenizer';

/** The ONNX sessions and tokenizers of one Flux model (see openFluxPipeline for the layout). */
export interface FluxSessions {
  /** CLIP: its `pooler_output` is the pooled prompt embedding. */
  clipTokenizer: PromptTokenizer;
  clipEncoder: ort.InferenceSession;
  /** T5: its `last_hidden_state` is the per-token prompt embedding. */
  t5Tokenizer: T5PromptTokenizer;
  t5Encoder: ort.InferenceSession;
  transformer: ort.InferenceSession;
  vaeDecoder: ort.InferenceSession;
  /** Needed for image-to-image. */
  vaeEncoder?: ort.InferenceSession;
}

/** The export's settings the pipeline runs by (readFluxExport's result). */
export type FluxModelSettings = Pick<
  FluxExportSettings,
  | 'guidanceEmbeds'
  | 'latentChannels'
  | 'vaeScaleFactor'
  | 'vaeScalingFactor'
  | 'vaeShiftFactor'
  | 'scheduler'
>;

export interface FluxPipelineOptions {
  /**
   * The standard normal noise a task starts from, unpacked, of shape `dims` =
   * [1, latent channels, height / scale, width / scale]: the starting latents of text-to-image,
   * the noise mixed into the image's latents for image-to-image. Default: drawn from the task's
   * PRNG, deriveSeed(seed, 'latents'). Given noise lets a run start from another
   * implementation's latents (parity tests against diffusers).
   */
  initialNoise?: (task: { seed: number; dims: readonly number[] }) => Float32Array;
  /** Largest decoded input image; defaults to the protocol's INPUT_IMAGE_MAX_PIXELS. */
  maxInputPixels?: number;
  /** T5 sequence length; default: tokenizer_2/tokenizer_config.json model_max_length, else 512. */
  maxSequenceLength?: number;
  /**
   * LoRA adapters of the transformer (an AdapterStore over `pipeline.loraInputs`): a task's
   * `lora` id is fed through `adapters.feeds(id)`. Without it, a task naming an adapter fails
   * with UnknownAdapter.
   */
  adapters?: AdapterSource;
  logger?: Logger;
}
