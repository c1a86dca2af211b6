// @subnet/inference/diffusion: Stable-Diffusion-class pipelines over ONNX sessions.

export {
  createScheduler,
  parseSchedulerOverrides,
  type SchedulerConfig,
  type SchedulerConfigInput,
  schedulerConfigSchema,
} from './createScheduler';
export { DdimScheduler } from './ddimScheduler';
export { type DenoiseOptions, denoise, type RunControl, type StepProgress } from './denoiseLoop';
export {
  DEFAULT_VAE_SCALING_FACTOR,
  type DiffusionExportSettings,
  readDiffusionExport,
} from './diffusionExport';
export {
  type ControlNetParamsInput,
  controlNetParamsSchema,
  type ImageToImageParamsInput,
  INPUT_IMAGE_MAX_PIXELS,
  type InpaintParamsInput,
  imageToImageParamsSchema,
  inpaintParamsSchema,
  type TextToImageParams,
  type TextToImageParamsInput,
  textToImageParamsSchema,
  type UncropParamsInput,
  uncropParamsSchema,
} from './diffusionParams';
export { DiffusionPipeline } from './diffusionPipeline';
export type {
  DiffusionPipelineOptions,
  DiffusionResult,
  DiffusionSessions,
} from './diffusionTypes';
export { EulerScheduler } from './eulerScheduler';
export { LcmScheduler } from './lcmScheduler';
export { LoraInputs } from './loraInputs';
export {
  alphasCumprod,
  type NoiseScheduleConfig,
  noiseScheduleSchema,
  spacedTimesteps,
  type TimestepSpacing,
} from './noiseSchedule';
export { openDiffusionPipeline } from './openDiffusionPipeline';
export {
  CLIP_TOKENIZER_DEFAULTS,
  PromptTokenizer,
  type PromptTokenizerOptions,
} from './promptTokenizer';
export { type NoiseSource, type Scheduler, type SchedulerKind, schedulerKinds } from './scheduler';
export {
  encodeText,
  type TextConditioning,
  type TextEncoderPart,
} from './textConditioning';
export {
  TiledUpscaler,
  UPSCALE_INPUT_MAX_PIXELS,
  type UpscaleResult,
  type UpscalerOptions,
} from './tiledUpscaler';
export {
  type OpenedTokenizer,
  openTokenizerFolder,
  type TokenizerLayout,
} from './tokenizerFolder';
export {
  checkUncrop,
  extendCanvas,
  pasteOriginal,
  type UncropCanvas,
  type UncropExtents,
  type UncropProblem,
  uncropCanvas,
  uncropMask,
} from './uncrop';
export { UnetModel } from './unetModel';
export { decodeLatents, encodePixels } from './vaeCodec';
