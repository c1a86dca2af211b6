// The public API of @subnet/inference. Subpaths: ./random (the PRNG), ./testing (test models).
export { modelsProgram } from './cli/modelsCommand';
export { type ModelChecksOptions, modelChecks } from './doctor/modelChecks';
export { type ProviderChecksOptions, providerChecks } from './doctor/providerChecks';
export { InferenceError, InferenceErrorCode } from './errors';
export type { ChatTemplateSource, ChatTemplateText } from './llm/chatTemplate';
export {
  type ChatMessage,
  ChatTokenizer,
  type ChatTokenizerOptions,
  type TokenizerProvenance,
} from './llm/chatTokenizer';
export {
  type AdapterFeeds,
  DecoderModel,
  type FloatType,
  type ForwardResult,
  type KvCache,
  type LoraInput,
} from './llm/decoderModel';
export {
  type GenerationConfig,
  parseGenerationConfig,
  readGenerationConfig,
} from './llm/generationConfig';
export {
  type AdapterSource,
  type DecodeMode,
  type GenerationDefaults,
  LlmEngine,
  type LlmEngineOptions,
} from './llm/llmEngine';
export { logSoftmax, rankOf, type TokenLogprob, topLogprobs } from './llm/logprobs';
export { type OpenAiBackendOptions, OpenAiCompatibleBackend } from './llm/openAiBackend';
export {
  createLlmManager,
  type OpenLlmOptions,
  openLlmEngine,
  plannedDevice,
} from './llm/openLlmEngine';
export {
  type GenerateRequest,
  generateRequestSchema,
  type ScoreRequest,
  scoreRequestSchema,
} from './llm/requests';
export { type SamplingParams, sampleToken } from './llm/sampler';
export {
  collectGeneration,
  type FinishReason,
  type GenerationResult,
  type LlmBackend,
  type ScoredToken,
  type ScoreResult,
  type TokenEvent,
} from './llm/types';
export { type PeftAdapterConfig, parseAdapterConfig } from './lora/adapterConfig';
export {
  type AdapterLocation,
  type AdapterResolver,
  AdapterStore,
  type AdapterStoreOptions,
  type AdapterStoreStats,
  PEFT_CONFIG_FILE,
  PEFT_WEIGHTS_FILE,
} from './lora/adapterStore';
export {
  type AlphaSource,
  type BuildLoraOptions,
  buildLoraAdapter,
  type LoraAdapter,
  type LoraTargetScale,
} from './lora/loraAdapter';
export {
  type FloatTensor,
  readSafetensors,
  type SafetensorsFile,
  writeSafetensors,
} from './lora/safetensors';
export {
  type AddedLoraTarget,
  type AddLoraOptions,
  type AddLoraResult,
  addLoraInputs,
  defaultLoraNodePattern,
} from './onnx/addLoraInputs';
export { type DownloadOptions, type DownloadResult, downloadFile } from './registry/downloadFile';
export {
  type AdapterEntry,
  type Manifest,
  type ModelEntry,
  type ModelFile,
  manifestSchema,
  mergeManifests,
  parseManifest,
  pipelineTypes,
  readManifestFile,
  taskKinds,
} from './registry/manifest';
export {
  type FileStatus,
  type ItemStatus,
  ModelRegistry,
  type PullProgress,
  type VerifyOutcome,
} from './registry/modelRegistry';
export {
  builtinManifestPath,
  defaultCacheDir,
  openRegistry,
  type RegistryLocation,
} from './registry/openRegistry';
export { deviceOf, onnxruntimeBinDir, providerAvailability } from './runtime/executionProviders';
export { FifoQueue } from './runtime/fifoQueue';
export { f16ToF32, f32ToF16, float16ToFloat32, float32ToFloat16 } from './runtime/float16';
export {
  type LoadedModel,
  type LoadedModelInfo,
  type ModelLease,
  ModelManager,
  type ModelManagerOptions,
  type ModelPlan,
} from './runtime/modelManager';
export { type ProviderProbe, probeProviders } from './runtime/probeProviders';
export {
  type EnvRecord,
  type ProviderName,
  parseRuntimeConfig,
  providerNames,
  type RuntimeConfig,
  type RuntimeConfigInput,
  runtimeConfigFromEnv,
  runtimeConfigSchema,
} from './runtime/runtimeConfig';
export { type CreatedSession, createSession } from './runtime/sessionFactory';
