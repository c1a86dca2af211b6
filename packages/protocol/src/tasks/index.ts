export {
  Capacity,
  type CapacityFields,
  type CapacityInput,
  LORAS_PER_TASK_MAX,
  MODELS_PER_TASK_MAX,
  type TaskCapacity,
  taskCapacitySchema,
} from './capacity';
export {
  CHAT_ROLES,
  Chat,
  type ChatFields,
  type ChatInput,
  type ChatMessage,
  type ChatRole,
  chatMessageSchema,
} from './chat';
export {
  ClipEmbeddings,
  type ClipEmbeddingsFields,
  type ClipEmbeddingsInput,
} from './clipEmbeddings';
export { Completion, type CompletionFields, type CompletionInput } from './completion';
export {
  CONTROL_TYPES,
  ControlNet,
  type ControlNetFields,
  type ControlNetInput,
  type ControlType,
  DEFAULT_CONDITIONING_SCALE,
} from './controlNet';
export {
  DEFAULT_CFG_SCALE,
  DEFAULT_DIMENSION,
  DEFAULT_STEPS,
  type ImageHashes,
  imageHashesSchema,
} from './imageFields';
export {
  DEFAULT_IMAGE_STRENGTH,
  ImageToImage,
  type ImageToImageFields,
  type ImageToImageInput,
} from './imageToImage';
export { Inpaint, type InpaintFields, type InpaintInput } from './inpaint';
export {
  base64Length,
  CAPACITY_VOLUME_MAX,
  CFG_SCALE_MAX,
  CFG_SCALE_MIN,
  CHAT_MESSAGES_MAX,
  CLIP_EMBEDDING_MAX_DIMS,
  CLIP_IMAGES_MAX,
  CONDITIONING_SCALE_MAX,
  DIMENSION_MAX,
  DIMENSION_MIN,
  DIMENSION_STEP,
  IMAGE_PROMPT_MAX_CHARS,
  INPUT_IMAGE_MAX_BYTES,
  INPUT_IMAGE_MAX_PIXELS,
  LLM_TEXT_MAX_CHARS,
  LORA_ID_MAX_CHARS,
  MAX_TOKENS_MAX,
  MODEL_ID_MAX_CHARS,
  OUTPUT_IMAGE_MAX_BYTES,
  SEED_MAX,
  STEPS_MAX,
  STEPS_MIN,
  STOP_SEQUENCE_MAX_CHARS,
  STOP_SEQUENCES_MAX,
  TEMPERATURE_MAX,
  TOKEN_TEXT_MAX_CHARS,
  TOP_K_MAX,
  TOP_LOGPROBS_MAX,
  UNCROP_CANVAS_MAX_PIXELS,
  UNCROP_CANVAS_MAX_SIDE,
  UNCROP_CANVAS_STEP,
  UNCROP_EXTEND_MAX,
  UNCROP_EXTEND_STEP,
  UPSCALE_INPUT_MAX_PIXELS,
} from './limits';
export { TASK_KINDS, type TaskKind } from './taskKinds';
export { TASK_SYNAPSE_BY_KIND, TASK_SYNAPSES } from './taskSynapses';
export {
  DEFAULT_MAX_TOKENS,
  DEFAULT_TEMPERATURE,
  DEFAULT_TOP_K,
  DEFAULT_TOP_LOGPROBS,
  DEFAULT_TOP_P,
  FINISH_REASONS,
  type FinishReason,
  type TokenLogprob,
  type TopLogprob,
  tokenLogprobSchema,
} from './textFields';
export {
  foldTextStream,
  parseTextStreamEvent,
  type TextDoneEvent,
  type TextErrorEvent,
  type TextStreamEvent,
  type TextStreamResult,
  type TextTokenEvent,
  textStreamEventSchema,
} from './textStreamEvents';
export { TextToImage, type TextToImageFields, type TextToImageInput } from './textToImage';
export { Uncrop, type UncropFields, type UncropInput } from './uncrop';
export { Upscale, type UpscaleFields, type UpscaleInput } from './upscale';
