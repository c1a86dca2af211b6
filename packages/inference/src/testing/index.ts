// Test doubles for other packages' tests: small real models built from fixed seeds.
export { lastRowLogprobs } from './llmChecks';
export { loraDelta, type TestAdapter, writeTestAdapter } from './loraFixtures';
export {
  fluxModelEntries,
  HF_FLUX_DIR,
  HF_FLUX_SCHNELL_DIR,
  type ModelFixtures,
  modelsSection,
  TINY_DIFFUSION_TOKENIZER,
  type WriteModelFixturesOptions,
  writeModelFixtures,
} from './modelFixtures';
export { type Attr, attr, type Dim, type ElemType, OnnxGraph } from './onnxGraph';
export { ProtobufWriter } from './protobufWriter';
export {
  buildTinyDecoder,
  defaultTinyDecoderConfig,
  type TinyDecoderConfig,
  tinyDecoderLoraTargets,
} from './tinyDecoder';
export { createTinyLlm, tinyChatTokenizer, tinyDecoderBytes } from './tinyLlm';
export {
  buildTinyTokenizer,
  byteToUnicode,
  CHATML_TEMPLATE,
  TINY_SPECIAL_TOKENS,
  type TinyTokenizerFiles,
} from './tinyTokenizer';
