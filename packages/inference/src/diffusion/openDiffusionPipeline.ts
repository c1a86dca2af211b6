import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { InferenceError, InferenceErrorCode } from '../errors';
import { type Logger, moduleLogger } from '../log';
import type { RuntimeConfig } from '../runtime/runtimeConfig';
import { createSession } from '../runtime/sessionFactory';
import { DiffusionPipeline } from './diffusionPipeline';
import type { DiffusionPipelineOptions } from './diffusionTypes';
import {
  CLIP_TOKENIZER_DEFAULTS,
  PromptTokenizer,
  type PromptTokenizerOptions,
} from './promptTokenizer';

/**
 * Opens a diffusion model laid out as ONNX exports usually are (one folder per part):
 * `text_encoder/model.onnx`, `unet/model.onnx`, `vae_decoder/model.onnx`, optional
 * `vae_encoder/model.onnx` and `controlnet/model.onnx`, and `tokenizer/tokenizer.json`; SDXL
 * adds `text_encoder_2/model.onnx` and `tokenizer_2/tokenizer.json`.
 * Each session is created by the runtime's session factory (providers in the configured order,
 * with fallbacks logged). Returns the pipeline, the devices the parts landed on, and a release.
 */
export async function openDiffusionPipeline(options: {
  dir: string;
  runtime: RuntimeConfig;
  pipeline?: DiffusionPipelineOptions;
  tokenizer?: PromptTokenizerOptions;
  /** SDXL's second tokenizer (pads with "!"); defaults to `tokenizer`. */
  tokenizer2?: PromptTokenizerOptions;
  logger?: Logger;
}): Promise<{
  pipeline: DiffusionPipeline;
  devices: Record<string, string>;
  release(): Promise<void>;
}> {
  const log = moduleLogger('diffusion', options.logger);
  const part = (name: string) => join(options.dir, name, 'model.onnx');
  const exists = async (path: string) =>
    access(path).then(
      () => true,
      () => false,
    );
  for (const required of ['text_encoder', 'unet', 'vae_decoder']) {
    if (!(await exists(part(required)))) {
      throw new InferenceError(
        InferenceErrorCode.ModelNotDownloaded,
        `${options.dir} has no ${required}/model.onnx; pull the model first`,
      );
    }
  }
  const sessions: Record<string, InferenceSession> = {};
  const devices: Record<string, string> = {};
  for (const name of [
    'text_encoder',
    'text_encoder_2',
    'unet',
    'vae_decoder',
    'vae_encoder',
    'controlnet',
  ]) {
    if (!(await exists(part(name)))) continue;
    const created = await createSession(part(name), options.runtime, options.logger);
    sessions[name] = created.session;
    devices[name] = created.device;
  }
  const tokenizer = await PromptTokenizer.fromFile(
    join(options.dir, 'tokenizer', 'tokenizer.json'),
    options.tokenizer ?? CLIP_TOKENIZER_DEFAULTS,
  );
  const tokenizer2 = sessions.text_encoder_2
    ? await PromptTokenizer.fromFile(
        join(options.dir, 'tokenizer_2', 'tokenizer.json'),
        options.tokenizer2 ?? options.tokenizer ?? CLIP_TOKENIZER_DEFAULTS,
      )
    : undefined;
  const pipeline = new DiffusionPipeline(
    {
      tokenizer,
      textEncoder: sessions.text_encoder as InferenceSession,
      unet: sessions.unet as InferenceSession,
      vaeDecoder: sessions.vae_decoder as InferenceSession,
      ...(sessions.vae_encoder ? { vaeEncoder: sessions.vae_encoder } : {}),
      ...(sessions.controlnet ? { controlNet: sessions.controlnet } : {}),
      ...(sessions.text_encoder_2 && tokenizer2
        ? { textEncoder2: sessions.text_encoder_2, tokenizer2 }
        : {}),
    },
    { ...(options.logger ? { logger: options.logger } : {}), ...options.pipeline },
  );
  log.info({ dir: options.dir, devices }, 'diffusion model opened');
  return {
    pipeline,
    devices,
    async release() {
      await Promise.all(Object.values(sessions).map((s) => s.release()));
    },
  };
}
