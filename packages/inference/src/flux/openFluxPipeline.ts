import { join } from 'node:path';
import type { PromptTokenizer } from '../diffusion/promptTokenizer';
import { openTokenizerFolder } from '../diffusion/tokenizerFolder';
import { InferenceError, InferenceErrorCode } from '../errors';
import { fileExists, readJsonObject } from '../exportFiles';
import { type Logger, moduleLogger } from '../log';
import type { InferenceSession } from '../runtime/ort';
import type { RuntimeConfig } from '../runtime/runtimeConfig';
import { createSession } from '../runtime/sessionFactory';
import { type FluxExportSettings, readFluxExport } from './fluxExport';
import { FluxPipeline } from './fluxPipeline';
import type { FluxPipelineOptions } from './fluxTypes';
import { openT5Tokenizer, type T5PromptTokenizer } from './t5Tokenizer';

/** What openFluxPipeline read from the export, with where the T5 length came from. */
export interface FluxSettings extends FluxExportSettings {
  /** The T5 sequence length every prompt is padded to. */
  maxSequenceLength: number;
  maxSequenceLengthFrom: 'override' | 'tokenizer_config.json' | 'default';
}

const REQUIRED = ['text_encoder', 'text_encoder_2', 'transformer', 'vae_decoder'] as const;
const OPTIONAL = ['vae_encoder'] as const;

/**
 * Opens a Flux-class export (scripts/models/flux/export_flux.py's layout, one folder per part):
 * `text_encoder/model.onnx` (CLIP → pooler_output), `text_encoder_2/model.onnx` (T5 →
 * last_hidden_state), `transformer/model.onnx`, `vae_decoder/model.onnx`, optional
 * `vae_encoder/model.onnx` (image-to-image), with `model_index.json`, `transformer/config.json`
 * (guidance_embeds, in_channels), the VAE's `config.json` (scaling_factor, shift_factor,
 * block_out_channels), `scheduler/scheduler_config.json` (FlowMatchEulerDiscreteScheduler:
 * shift, use_dynamic_shifting, base/max shift and image sequence lengths), `tokenizer/` (CLIP,
 * either layout) and `tokenizer_2/tokenizer.json` (T5; its tokenizer_config.json's
 * model_max_length is the T5 length unless `pipeline.maxSequenceLength` overrides it; 512
 * without either). A missing model part or tokenizer is ModelNotDownloaded naming the folder.
 * The files are read and checked before any session is made.
 */
export async function openFluxPipeline(options: {
  dir: string;
  runtime: RuntimeConfig;
  pipeline?: FluxPipelineOptions;
  logger?: Logger;
}): Promise<{
  pipeline: FluxPipeline;
  devices: Record<string, string>;
  settings: FluxSettings;
  /** CLIP's tokenizer (tokenizer/) and T5's (tokenizer_2/). */
  tokenizers: { clip: PromptTokenizer; t5: T5PromptTokenizer };
  release(): Promise<void>;
}> {
  const { dir } = options;
  const logger = options.logger ?? options.pipeline?.logger;
  const log = moduleLogger('flux', logger);
  const part = (name: string) => join(dir, name, 'model.onnx');
  for (const required of REQUIRED) {
    if (!(await fileExists(part(required)))) throw notDownloaded(dir, `${required}/model.onnx`);
  }
  for (const folder of ['tokenizer', 'tokenizer_2']) {
    if (!(await fileExists(join(dir, folder)))) throw notDownloaded(dir, `${folder}/`);
  }
  const exported = await readFluxExport(dir);
  const clipConfig = await readJsonObject(join(dir, 'text_encoder', 'config.json'));
  const clip = await openTokenizerFolder({
    dir: join(dir, 'tokenizer'),
    encoderMaxLength: clipConfig?.max_position_embeddings as number | undefined,
  });
  const t5 = await openT5Tokenizer({
    dir: join(dir, 'tokenizer_2'),
    maxLength: options.pipeline?.maxSequenceLength,
  });
  const settings: FluxSettings = {
    ...exported,
    maxSequenceLength: t5.tokenizer.options.maxLength,
    maxSequenceLengthFrom: t5.maxLengthFrom,
  };
  log.info(
    {
      dir,
      pipelineClass: settings.pipelineClass ?? null,
      guidanceEmbeds: settings.guidanceEmbeds,
      scheduler: settings.scheduler,
      vae: [settings.vaeScaleFactor, settings.vaeScalingFactor, settings.vaeShiftFactor],
      t5MaxLength: [settings.maxSequenceLength, settings.maxSequenceLengthFrom],
      clipTokenizer: clip.layout,
    },
    'flux export read',
  );

  const sessions: Record<string, InferenceSession> = {};
  const devices: Record<string, string> = {};
  const release = async () => {
    await Promise.all(Object.values(sessions).map((s) => s.release()));
  };
  try {
    for (const name of [...REQUIRED, ...OPTIONAL]) {
      if (!(await fileExists(part(name)))) continue;
      const created = await createSession(part(name), options.runtime, logger);
      sessions[name] = created.session;
      devices[name] = created.device;
    }
    const session = (name: string) => sessions[name] as InferenceSession;
    const pipeline = new FluxPipeline(
      {
        clipTokenizer: clip.tokenizer,
        clipEncoder: session('text_encoder'),
        t5Tokenizer: t5.tokenizer,
        t5Encoder: session('text_encoder_2'),
        transformer: session('transformer'),
        vaeDecoder: session('vae_decoder'),
        ...(sessions.vae_encoder ? { vaeEncoder: sessions.vae_encoder } : {}),
      },
      settings,
      { ...options.pipeline, ...(logger ? { logger } : {}) },
    );
    log.info({ dir, devices }, 'flux model opened');
    return {
      pipeline,
      devices,
      settings,
      tokenizers: { clip: clip.tokenizer, t5: t5.tokenizer },
      release,
    };
  } catch (cause) {
    await release();
    if (cause instanceof InferenceError && !cause.message.includes(dir)) {
      throw new InferenceError(cause.code, `${dir}: ${cause.message}`, { cause });
    }
    throw cause;
  }
}

function notDownloaded(dir: string, what: string): InferenceError {
  return new InferenceError(
    InferenceErrorCode.ModelNotDownloaded,
    `${dir} has no ${what}; pull the model first`,
  );
}
