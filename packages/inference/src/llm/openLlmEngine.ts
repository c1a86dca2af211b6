import { dirname } from 'node:path';
import { InferenceError, InferenceErrorCode } from '../errors';
import { badExport } from '../exportFiles';
import { type Logger, moduleLogger } from '../log';
import { AdapterStore } from '../lora/adapterStore';
import type { ModelRegistry } from '../registry/modelRegistry';
import { deviceOf, providerAvailability } from '../runtime/executionProviders';
import { type LoadedModel, ModelManager } from '../runtime/modelManager';
import type { EnvRecord, RuntimeConfig } from '../runtime/runtimeConfig';
import { createSession } from '../runtime/sessionFactory';
import { ChatTokenizer } from './chatTokenizer';
import { DecoderModel } from './decoderModel';
import { type DecodeMode, LlmEngine } from './llmEngine';
import { OpenAiCompatibleBackend } from './openAiBackend';
import type { LlmBackend } from './types';

export interface OpenLlmOptions {
  registry: ModelRegistry;
  modelId: string;
  runtime: RuntimeConfig;
  /** Bytes of LoRA tensors kept per model (default 256 MiB). */
  adapterBudgetBytes?: number;
  decodeMode?: DecodeMode;
  logger?: Logger;
}

/**
 * Opens a downloaded 'llm-decoder' model of the registry: its ONNX file on the first provider
 * that loads it, `tokenizer.json`/`tokenizer_config.json` from the same folder, and its adapters.
 */
export async function openLlmEngine(options: OpenLlmOptions): Promise<LoadedModel<LlmEngine>> {
  const { registry, modelId } = options;
  const entry = registry.model(modelId);
  if (entry.pipeline !== 'llm-decoder') {
    throw new InferenceError(
      InferenceErrorCode.BadRequest,
      `model ${modelId} is a ${entry.pipeline}, not an llm-decoder`,
    );
  }
  const status = await registry.status(modelId);
  if (!status.downloaded) {
    throw new InferenceError(
      InferenceErrorCode.ModelNotDownloaded,
      `model ${modelId} is not downloaded to ${registry.cacheDir}`,
      { fix: `run \`pnpm models pull ${modelId}\` (with the same --manifest and --cache-dir)` },
    );
  }
  const modelPath = registry.modelPath(modelId);
  const created = await createSession(modelPath, options.runtime, options.logger);
  try {
    let model: DecoderModel;
    try {
      model = new DecoderModel(created.session);
    } catch (err) {
      // Name the file: "the model has no input named input_ids" alone does not say which.
      if (err instanceof InferenceError)
        throw new InferenceError(err.code, `${modelPath}: ${err.message}`, { cause: err });
      throw err;
    }
    const dir = dirname(modelPath);
    const tokenizer = await ChatTokenizer.fromDirectory(dir);
    checkTokenizerFitsModel(tokenizer, model, dir);
    moduleLogger('llm', options.logger).info(
      {
        model: modelId,
        dir,
        files: tokenizer.provenance.files,
        chatTemplate: tokenizer.provenance.chatTemplate,
        eosTokenIds: tokenizer.eosTokenIds,
        kvType: model.kvType,
        loraTargets: model.loraInputs.length,
      },
      'LLM export read',
    );
    const adapters = new AdapterStore({
      inputs: model.loraInputs,
      resolve: registry.adapterResolver(modelId),
      budgetBytes: options.adapterBudgetBytes ?? 256 * 1024 * 1024,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    const engine = new LlmEngine({
      model,
      tokenizer,
      adapters,
      ...(entry.defaults.maxContext ? { maxContext: entry.defaults.maxContext } : {}),
      defaults: {
        ...(entry.defaults.temperature !== undefined
          ? { temperature: entry.defaults.temperature }
          : {}),
        ...(entry.defaults.topP !== undefined ? { topP: entry.defaults.topP } : {}),
        ...(entry.defaults.topK !== undefined ? { topK: entry.defaults.topK } : {}),
        ...(entry.defaults.maxTokens !== undefined ? { maxTokens: entry.defaults.maxTokens } : {}),
      },
      ...(options.decodeMode ? { decodeMode: options.decodeMode } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    return { value: engine, device: created.device, dispose: () => created.session.release() };
  } catch (err) {
    await created.session.release();
    throw err;
  }
}

/** End-of-sequence ids the model cannot produce mean the tokenizer belongs to another model. */
export function checkTokenizerFitsModel(
  tokenizer: ChatTokenizer,
  model: DecoderModel,
  dir: string,
): void {
  const outside = tokenizer.eosTokenIds.filter((id) => id >= model.vocabSize);
  if (outside.length > 0) {
    throw badExport(
      dir,
      `end-of-sequence ids ${outside.join(', ')} (tokenizer_config.json eos_token, generation_config.json eos_token_id) are outside the model's ${model.vocabSize} logits`,
    );
  }
}

/** The device a model is expected to land on: the first configured provider that is present. */
export function plannedDevice(runtime: RuntimeConfig): string {
  const provider = runtime.providers.find((p) => providerAvailability(p).available) ?? 'cpu';
  return deviceOf(provider, runtime);
}

/**
 * A model manager of the registry's LLMs, sized by each entry's memoryBytes: 'llm-decoder'
 * entries run in-process, 'llm-openai' entries are clients of their server (device 'remote').
 */
export function createLlmManager(options: {
  registry: ModelRegistry;
  runtime: RuntimeConfig;
  budgets: Readonly<Record<string, number>>;
  /** See ModelManagerOptions.waitForRoomMs. */
  waitForRoomMs?: number;
  decodeMode?: DecodeMode;
  /** The caller's environment variables, for servers' API keys (default none). */
  env?: EnvRecord;
  logger?: Logger;
}): ModelManager<LlmBackend> {
  return new ModelManager<LlmBackend>({
    budgets: options.budgets,
    ...(options.waitForRoomMs !== undefined ? { waitForRoomMs: options.waitForRoomMs } : {}),
    plan: (id) => {
      const entry = options.registry.model(id);
      if (entry.pipeline === 'llm-openai') return { device: 'remote', bytes: 0 };
      return { device: plannedDevice(options.runtime), bytes: entry.memoryBytes };
    },
    load: async (id): Promise<LoadedModel<LlmBackend>> => {
      const entry = options.registry.model(id);
      if (entry.server) {
        const env = options.env ?? {};
        const apiKey = entry.server.apiKeyEnv ? env[entry.server.apiKeyEnv] : undefined;
        const backend = new OpenAiCompatibleBackend({
          baseUrl: entry.server.baseUrl,
          model: entry.server.model,
          ...(apiKey ? { apiKey } : {}),
          ...(options.logger ? { logger: options.logger } : {}),
        });
        return { value: backend, device: 'remote', dispose: async () => undefined };
      }
      return openLlmEngine({
        registry: options.registry,
        modelId: id,
        runtime: options.runtime,
        ...(options.decodeMode ? { decodeMode: options.decodeMode } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      });
    },
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
