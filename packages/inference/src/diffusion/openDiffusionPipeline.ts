import { join } from 'node:path';
import { InferenceError, InferenceErrorCode } from '../errors';
import { exportError, fileExists } from '../exportFiles';
import { type Logger, moduleLogger } from '../log';
import type { InferenceSession } from '../runtime/ort';
import type { RuntimeConfig } from '../runtime/runtimeConfig';
import { createSession } from '../runtime/sessionFactory';
import { type DiffusionExportSettings, readDiffusionExport } from './diffusionExport';
import { DiffusionPipeline } from './diffusionPipeline';
import type { DiffusionPipelineOptions } from './diffusionTypes';
import type { PromptTokenizer, PromptTokenizerOptions } from './promptTokenizer';
import { type OpenedTokenizer, openTokenizerFolder } from './tokenizerFolder';

/**
 * Opens a diffusion model exported as Optimum 2.x / diffusers write it (one folder per part):
 * `text_encoder/model.onnx`, `unet/model.onnx`, `vae_decoder/model.onnx`, optional
 * `vae_encoder/model.onnx` and `controlnet/model.onnx`; SDXL adds `text_encoder_2/`. Beside them
 * it reads `model_index.json`, `scheduler/scheduler_config.json`, the VAE's `config.json` and
 * each tokenizer folder (`tokenizer/`, `tokenizer_2/`: tokenizer.json or the slow CLIP layout)
 * with its own special tokens and length (see readDiffusionExport and openTokenizerFolder).
 * `pipeline.scheduler`, `pipeline.vaeScalingFactor`, `tokenizer` and `tokenizer2` override what
 * the files say, setting by setting. The files are read and checked before any session is made.
 * Each session is created by the runtime's session factory (providers in the configured order,
 * with fallbacks logged). Returns the pipeline, the devices the parts landed on, what was read,
 * the tokenizers, and a release.
 */
export async function openDiffusionPipeline(options: {
  dir: string;
  runtime: RuntimeConfig;
  pipeline?: DiffusionPipelineOptions;
  tokenizer?: Partial<PromptTokenizerOptions>;
  /** SDXL's second tokenizer (its own files pad with "!"). */
  tokenizer2?: Partial<PromptTokenizerOptions>;
  logger?: Logger;
}): Promise<{
  pipeline: DiffusionPipeline;
  devices: Record<string, string>;
  settings: DiffusionExportSettings;
  /** The tokenizer of each text encoder, in order (tokenizer/, then SDXL's tokenizer_2/). */
  tokenizers: readonly PromptTokenizer[];
  release(): Promise<void>;
}> {
  const { dir } = options;
  const log = moduleLogger('diffusion', options.logger);
  const part = (name: string) => join(dir, name, 'model.onnx');
  for (const required of ['text_encoder', 'unet', 'vae_decoder']) {
    if (!(await fileExists(part(required)))) {
      throw new InferenceError(
        InferenceErrorCode.ModelNotDownloaded,
        `${dir} has no ${required}/model.onnx; pull the model first`,
      );
    }
  }
  const settings = await readDiffusionExport({
    dir,
    scheduler: options.pipeline?.scheduler,
    vaeScalingFactor: options.pipeline?.vaeScalingFactor,
  });
  const sdxl = await fileExists(part('text_encoder_2'));
  await checkPipelineParts(dir, settings.pipelineClass, sdxl);
  const tokenizers: (OpenedTokenizer & { defaulted: string[] })[] = [
    await openTokenizerFolder({
      dir: join(dir, 'tokenizer'),
      override: options.tokenizer,
      encoderMaxLength: settings.encoderMaxLengths[0],
    }),
  ];
  if (sdxl) {
    tokenizers.push(
      await openTokenizerFolder({
        dir: join(dir, 'tokenizer_2'),
        override: options.tokenizer2,
        encoderMaxLength: settings.encoderMaxLengths[1],
      }),
    );
  }
  logSettings(log, dir, settings, tokenizers);

  const sessions: Record<string, InferenceSession> = {};
  const devices: Record<string, string> = {};
  const release = async () => {
    await Promise.all(Object.values(sessions).map((s) => s.release()));
  };
  try {
    for (const name of [
      'text_encoder',
      'text_encoder_2',
      'unet',
      'vae_decoder',
      'vae_encoder',
      'controlnet',
    ]) {
      if (!(await fileExists(part(name)))) continue;
      const created = await createSession(part(name), options.runtime, options.logger);
      sessions[name] = created.session;
      devices[name] = created.device;
    }
    const [first, second] = tokenizers;
    const pipeline = new DiffusionPipeline(
      {
        tokenizer: (first as OpenedTokenizer).tokenizer,
        textEncoder: sessions.text_encoder as InferenceSession,
        unet: sessions.unet as InferenceSession,
        vaeDecoder: sessions.vae_decoder as InferenceSession,
        ...(sessions.vae_encoder ? { vaeEncoder: sessions.vae_encoder } : {}),
        ...(sessions.controlnet ? { controlNet: sessions.controlnet } : {}),
        ...(sessions.text_encoder_2 && second
          ? { textEncoder2: sessions.text_encoder_2, tokenizer2: second.tokenizer }
          : {}),
      },
      {
        ...(options.logger ? { logger: options.logger } : {}),
        forceZerosForEmptyPrompt: settings.forceZerosForEmptyPrompt,
        ...(settings.unetResiduals ? { unetResiduals: settings.unetResiduals } : {}),
        ...options.pipeline,
        scheduler: settings.scheduler,
        vaeScalingFactor: settings.vaeScalingFactor,
      },
    );
    log.info({ dir, devices }, 'diffusion model opened');
    return { pipeline, devices, settings, tokenizers: tokenizers.map((t) => t.tokenizer), release };
  } catch (cause) {
    await release();
    if (cause instanceof InferenceError && !cause.message.includes(dir)) {
      throw new InferenceError(cause.code, `${dir}: ${cause.message}`, { cause });
    }
    throw cause;
  }
}

/** model_index.json's pipeline class names parts that must be there (SDXL's second encoder, the ControlNet). */
async function checkPipelineParts(
  dir: string,
  pipelineClass: string | undefined,
  sdxl: boolean,
): Promise<void> {
  if (pipelineClass === undefined) return;
  const needs = (what: string) =>
    exportError(
      `${join(dir, 'model_index.json')}: _class_name ${pipelineClass} needs ${what}, which the export lacks`,
    );
  if (pipelineClass.includes('XL') && !sdxl) throw needs('text_encoder_2/model.onnx');
  if (
    pipelineClass.includes('ControlNet') &&
    !(await fileExists(join(dir, 'controlnet', 'model.onnx')))
  )
    throw needs('controlnet/model.onnx');
}

/** One info line of what the export's files gave, and a warning for each default or fallback. */
function logSettings(
  log: Logger,
  dir: string,
  settings: DiffusionExportSettings,
  tokenizers: readonly (OpenedTokenizer & { defaulted: string[] })[],
): void {
  const s = settings.scheduler;
  if (settings.pipelineClass === undefined) {
    log.info({ dir }, 'no model_index.json: an older export layout, pipeline defaults apply');
  }
  if (settings.schedulerClass === undefined) {
    log.info({ dir }, 'no scheduler/scheduler_config.json: the default scheduler settings apply');
  }
  if (settings.schedulerFallback !== undefined) {
    log.warn(
      { dir, exported: settings.schedulerClass, running: settings.schedulerFallback },
      `the export's ${settings.schedulerClass} is not implemented here; running ${settings.schedulerFallback} with its noise schedule (set the model config's scheduler.kind to choose)`,
    );
  }
  if (settings.vaeScalingFrom === 'default') {
    log.warn(
      { dir, vaeScalingFactor: settings.vaeScalingFactor },
      'no VAE config.json with scaling_factor: using SD 1.x’s 0.18215',
    );
  }
  for (const [i, t] of tokenizers.entries()) {
    if (t.defaulted.length > 0) {
      log.warn(
        { dir, tokenizer: i === 0 ? 'tokenizer' : 'tokenizer_2', defaulted: t.defaulted },
        'the tokenizer files do not give these settings: CLIP defaults apply',
      );
    }
  }
  log.info(
    {
      dir,
      pipelineClass: settings.pipelineClass ?? null,
      requiresSafetyChecker: settings.requiresSafetyChecker ?? null,
      scheduler: {
        exported: settings.schedulerClass ?? null,
        kind: s.kind,
        spacing: s.timestepSpacing,
        offset: s.stepsOffset,
        trainTimesteps: s.trainTimesteps,
        betas: [s.betaStart, s.betaEnd, s.betaSchedule],
        ...(s.kind === 'ddim' ? { setAlphaToOne: s.setAlphaToOne } : {}),
        ...(s.kind === 'lcm' ? { originalSteps: s.originalSteps } : {}),
      },
      vaeScalingFactor: settings.vaeScalingFactor,
      vaeScalingFrom: settings.vaeScalingFrom,
      tokenizers: tokenizers.map((t) => ({
        layout: t.layout,
        maxLength: t.tokenizer.options.maxLength,
        pad: t.tokenizer.options.padToken,
      })),
      forceZerosForEmptyPrompt: settings.forceZerosForEmptyPrompt,
    },
    'diffusion export read',
  );
}
