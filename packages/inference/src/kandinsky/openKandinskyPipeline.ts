import { join } from 'node:path';
import type { PromptTokenizer } from '../diffusion/promptTokenizer';
import { openTokenizerFolder } from '../diffusion/tokenizerFolder';
import { InferenceError, InferenceErrorCode } from '../errors';
import { fileExists } from '../exportFiles';
import { type Logger, moduleLogger } from '../log';
import type { InferenceSession } from '../runtime/ort';
import type { RuntimeConfig } from '../runtime/runtimeConfig';
import { createSession } from '../runtime/sessionFactory';
import { type KandinskyExportSettings, readKandinskyExport } from './kandinskyExport';
import { KandinskyPipeline } from './kandinskyPipeline';
import type { KandinskyPipelineOptions } from './kandinskyTypes';

/** Decoder parts (ONNX) at the export's root, and the prior's under `prior/`. */
const DECODER_PARTS = ['unet', 'movq_decoder'] as const;
const PRIOR_FILES = [
  'prior/model.onnx',
  'text_encoder/model.onnx',
  'model_index.json',
  'scheduler/scheduler_config.json',
  'prior/config.json',
  'prior/clip_stats.json',
  'zero_image_embeds.json',
] as const;

/**
 * Opens a Kandinsky 2.2 export as scripts/models/kandinsky/export_kandinsky.py writes it:
 * `model_index.json`, `scheduler/scheduler_config.json` (DDPMScheduler), `unet/`,
 * `movq_decoder/`, optional `movq_encoder/` (image-to-image), each with model.onnx and
 * config.json, and the prior under `prior/`: `model_index.json`, `scheduler/` (UnCLIPScheduler),
 * `tokenizer/` (CLIP, either tokenizer layout), `text_encoder/`, `prior/` (with clip_stats.json)
 * and `zero_image_embeds.json`. A missing decoder part is INFERENCE_MODEL_NOT_DOWNLOADED naming
 * its folder; a missing prior file the same, its message starting `prior: `. The files are read
 * and checked before any session is made (see readKandinskyExport).
 */
export async function openKandinskyPipeline(options: {
  dir: string;
  runtime: RuntimeConfig;
  pipeline?: KandinskyPipelineOptions;
  logger?: Logger;
}): Promise<{
  pipeline: KandinskyPipeline;
  devices: Record<string, string>;
  settings: KandinskyExportSettings;
  /** The prior's CLIP tokenizer. */
  tokenizers: readonly PromptTokenizer[];
  release(): Promise<void>;
}> {
  const { dir } = options;
  const log = moduleLogger('kandinsky', options.logger);
  for (const part of DECODER_PARTS) {
    if (!(await fileExists(join(dir, part, 'model.onnx')))) {
      throw new InferenceError(
        InferenceErrorCode.ModelNotDownloaded,
        `${dir} has no ${part}/model.onnx; pull the model first`,
      );
    }
  }
  const missingPrior = [];
  for (const file of PRIOR_FILES) {
    if (!(await fileExists(join(dir, 'prior', file)))) missingPrior.push(`prior/${file}`);
  }
  if (missingPrior.length > 0) {
    throw new InferenceError(
      InferenceErrorCode.ModelNotDownloaded,
      `prior: ${dir} lacks the unCLIP prior (${missingPrior.join(', ')}); Kandinsky needs it to turn the prompt into an image embedding`,
    );
  }
  const settings = await readKandinskyExport(dir);
  const opened = await openTokenizerFolder({
    dir: join(dir, 'prior', 'tokenizer'),
    encoderMaxLength: settings.textLength,
  });
  if (opened.tokenizer.options.maxLength !== settings.textLength) {
    throw new InferenceError(
      InferenceErrorCode.BadExport,
      `${join(dir, 'prior', 'tokenizer')}: ${opened.tokenizer.options.maxLength} tokens, but the prior attends to ${settings.textLength}`,
    );
  }
  log.info(
    {
      dir,
      decoder: settings.decoderClass,
      prior: settings.priorClass,
      decoderScheduler: settings.decoderScheduler,
      priorScheduler: settings.priorScheduler,
      movqScaleFactor: settings.movqScaleFactor,
      sizeMultiple: settings.sizeMultiple,
      tokenizer: { layout: opened.layout, defaulted: opened.defaulted },
    },
    'kandinsky export read',
  );

  const sessions: Record<string, InferenceSession> = {};
  const devices: Record<string, string> = {};
  const release = async () => {
    await Promise.all(Object.values(sessions).map((s) => s.release()));
  };
  try {
    for (const name of [
      'prior/text_encoder',
      'prior/prior',
      'unet',
      'movq_decoder',
      'movq_encoder',
    ]) {
      const path = join(dir, name, 'model.onnx');
      if (!(await fileExists(path))) continue;
      const created = await createSession(path, options.runtime, options.logger);
      sessions[name] = created.session;
      devices[name] = created.device;
    }
    const pipeline = new KandinskyPipeline(
      {
        tokenizer: opened.tokenizer,
        textEncoder: sessions['prior/text_encoder'] as InferenceSession,
        prior: sessions['prior/prior'] as InferenceSession,
        unet: sessions.unet as InferenceSession,
        movqDecoder: sessions.movq_decoder as InferenceSession,
        ...(sessions.movq_encoder ? { movqEncoder: sessions.movq_encoder } : {}),
      },
      settings,
      { ...(options.logger ? { logger: options.logger } : {}), ...options.pipeline },
    );
    log.info({ dir, devices }, 'kandinsky model opened');
    return { pipeline, devices, settings, tokenizers: [opened.tokenizer], release };
  } catch (cause) {
    await release();
    if (cause instanceof InferenceError && !cause.message.includes(dir)) {
      throw new InferenceError(cause.code, `${dir}: ${cause.message}`, { cause });
    }
    throw cause;
  }
}
