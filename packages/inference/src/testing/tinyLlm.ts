import { ChatTokenizer } from '../llm/chatTokenizer';
import { DecoderModel } from '../llm/decoderModel';
import { type AdapterSource, type DecodeMode, LlmEngine } from '../llm/llmEngine';
import * as ort from '../runtime/ort';
import { buildTinyDecoder, defaultTinyDecoderConfig, type TinyDecoderConfig } from './tinyDecoder';
import { buildTinyTokenizer } from './tinyTokenizer';

let cachedBytes: Uint8Array | undefined;

/** The bytes of the default tiny decoder (built once per process). */
export function tinyDecoderBytes(): Uint8Array {
  cachedBytes ??= buildTinyDecoder(defaultTinyDecoderConfig);
  return cachedBytes;
}

export function tinyChatTokenizer(): ChatTokenizer {
  const files = buildTinyTokenizer(defaultTinyDecoderConfig.vocabSize);
  return new ChatTokenizer(files.tokenizerJson, files.tokenizerConfig);
}

/** An LLM engine over the tiny decoder on the CPU provider (one intra-op thread unless told). */
export async function createTinyLlm(
  options: {
    decodeMode?: DecodeMode;
    adapters?: AdapterSource;
    config?: TinyDecoderConfig;
    threads?: number;
  } = {},
): Promise<LlmEngine> {
  const bytes = options.config ? buildTinyDecoder(options.config) : tinyDecoderBytes();
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: options.threads ?? 1,
  });
  return new LlmEngine({
    model: new DecoderModel(session),
    tokenizer: tinyChatTokenizer(),
    maxContext: (options.config ?? defaultTinyDecoderConfig).maxPositions,
    ...(options.decodeMode ? { decodeMode: options.decodeMode } : {}),
    ...(options.adapters ? { adapters: options.adapters } : {}),
  });
}
