// Flux-class (diffusion transformer, flow matching) text-to-image and image-to-image over ONNX.

export {
  dynamicShiftMu,
  eulerStep,
  FLOW_MATCH_DEFAULTS,
  type FlowMatchConfig,
  type FlowMatchSchedule,
  flowMatchSchedule,
  imageToImageStart,
  noiseTo,
  transformerTimestep,
} from './flowMatchSchedule';
export { type FluxExportSettings, readFluxExport } from './fluxExport';
export { FluxPipeline } from './fluxPipeline';
export { encodeFluxPrompt, type FluxTextConditioning } from './fluxText';
export type { FluxModelSettings, FluxPipelineOptions, FluxSessions } from './fluxTypes';
export { type FluxSettings, openFluxPipeline } from './openFluxPipeline';
export {
  imagePositionIds,
  type LatentGrid,
  packLatents,
  textPositionIds,
  unpackLatents,
} from './packedLatents';
export {
  DEFAULT_T5_MAX_LENGTH,
  type OpenedT5Tokenizer,
  openT5Tokenizer,
  T5PromptTokenizer,
  type T5TokenizerOptions,
} from './t5Tokenizer';
