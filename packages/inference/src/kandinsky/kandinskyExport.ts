import { join } from 'node:path';
import { badExport, type JsonObject, readJsonObject } from '../exportFiles';
import { type DdpmConfig, ddpmVarianceTypes } from './ddpmScheduler';
import type { UnclipConfig } from './unclipScheduler';

/** What a Kandinsky 2.2 export folder says about itself (see openKandinskyPipeline). */
export interface KandinskyExportSettings {
  /** `_class_name` of model_index.json and prior/model_index.json. */
  decoderClass: string;
  priorClass: string;
  decoderScheduler: DdpmConfig;
  priorScheduler: UnclipConfig;
  /** Image pixels per latent along a side: 2^(MoVQ blocks - 1) (8 for kandinsky-2-2-decoder). */
  movqScaleFactor: number;
  /** Channels of the latents (unet/config.json in_channels). */
  latentChannels: number;
  /** Times the UNet halves the latents: its blocks - 1. */
  unetDownsamplings: number;
  /** Width and height must be multiples of this: lcm(scale², scale · 2^downsamplings). */
  sizeMultiple: number;
  /** Width of the CLIP image embedding (the prior's embedding_dim). */
  embeddingDim: number;
  /** The prior's output is latents · clipStd + clipMean (prior/prior/clip_stats.json). */
  clipMean: Float32Array;
  clipStd: Float32Array;
  /** The image encoder's embedding of a black image (prior/zero_image_embeds.json). */
  zeroImageEmbeds: Float32Array;
  /** Text tokens the prior attends to (prior/prior/config.json num_embeddings). */
  textLength: number;
}

/**
 * Reads and checks the configuration files of an export written by
 * scripts/models/kandinsky/export_kandinsky.py. Every problem is an INFERENCE_BAD_EXPORT naming
 * the file and field. The prior's files are read from `prior/` (the caller checks it exists).
 */
export async function readKandinskyExport(dir: string): Promise<KandinskyExportSettings> {
  const read = async (path: string) =>
    (await readJsonObject(join(dir, path), { required: true })) as JsonObject;
  const decoderIndex = await read('model_index.json');
  const priorIndex = await read('prior/model_index.json');
  const decoderClass = className(decoderIndex, join(dir, 'model_index.json'), 'KandinskyV22');
  const priorClass = className(
    priorIndex,
    join(dir, 'prior/model_index.json'),
    'KandinskyV22Prior',
  );

  const unetFile = join(dir, 'unet/config.json');
  const unet = await read('unet/config.json');
  const field = fields(unetFile, unet);
  if (unet.encoder_hid_dim_type !== 'image_proj' || unet.addition_embed_type !== 'image') {
    throw badExport(
      unetFile,
      'not a Kandinsky 2.2 UNet (encoder_hid_dim_type must be image_proj, addition_embed_type image)',
    );
  }
  const unetDownsamplings = field.list('block_out_channels').length - 1;
  const movqFile = join(dir, 'movq_decoder/config.json');
  const movq = fields(movqFile, await read('movq_decoder/config.json'));
  const movqScaleFactor = 2 ** (movq.list('block_out_channels').length - 1);
  const sizeMultiple = lcm(movqScaleFactor ** 2, movqScaleFactor * 2 ** unetDownsamplings);

  const priorFile = join(dir, 'prior/prior/config.json');
  const prior = fields(priorFile, await read('prior/prior/config.json'));
  const embeddingDim = prior.number('embedding_dim', 768);
  if (field.number('encoder_hid_dim', Number.NaN) !== embeddingDim) {
    throw badExport(
      unetFile,
      `encoder_hid_dim must equal the prior's embedding_dim ${embeddingDim}`,
    );
  }
  const statsFile = join(dir, 'prior/prior/clip_stats.json');
  const stats = fields(statsFile, await read('prior/prior/clip_stats.json'));
  const zeroFile = join(dir, 'prior/zero_image_embeds.json');
  const zero = fields(zeroFile, await read('prior/zero_image_embeds.json'));
  const vector = (f: ReturnType<typeof fields>, key: string) => {
    const values = f.list(key);
    if (values.length !== embeddingDim || values.some((v) => typeof v !== 'number')) {
      throw badExport(f.file, `${key} must be ${embeddingDim} numbers`);
    }
    return Float32Array.from(values as number[]);
  };
  return {
    decoderClass,
    priorClass,
    decoderScheduler: ddpmConfig(
      join(dir, 'scheduler/scheduler_config.json'),
      await read('scheduler/scheduler_config.json'),
    ),
    priorScheduler: unclipConfig(
      join(dir, 'prior/scheduler/scheduler_config.json'),
      await read('prior/scheduler/scheduler_config.json'),
    ),
    movqScaleFactor,
    latentChannels: field.number('in_channels', 4),
    unetDownsamplings,
    sizeMultiple,
    embeddingDim,
    clipMean: vector(stats, 'clip_mean'),
    clipStd: vector(stats, 'clip_std'),
    zeroImageEmbeds: vector(zero, 'image_embeds'),
    textLength: prior.number('num_embeddings', 77),
  };
}

function className(index: JsonObject, file: string, prefix: string): string {
  const name = index._class_name;
  if (typeof name !== 'string' || !name.startsWith(prefix)) {
    throw badExport(file, `_class_name must be a ${prefix}… pipeline, got ${JSON.stringify(name)}`);
  }
  return name;
}

function fields(file: string, json: JsonObject) {
  return {
    file,
    number(key: string, fallback: number): number {
      const v = json[key];
      if (v === undefined || v === null) return fallback;
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw badExport(file, `${key} must be a number, got ${JSON.stringify(v)}`);
      return v;
    },
    list(key: string): readonly unknown[] {
      const v = json[key];
      if (!Array.isArray(v) || v.length === 0)
        throw badExport(file, `${key} must be a non-empty list`);
      return v;
    },
    choice<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
      const v = json[key] ?? fallback;
      if (!allowed.includes(v as T)) {
        throw badExport(
          file,
          `${key} = ${JSON.stringify(v)} is not supported (${allowed.join(', ')})`,
        );
      }
      return v as T;
    },
    flag(key: string): boolean {
      const v = json[key] ?? false;
      if (typeof v !== 'boolean') throw badExport(file, `${key} must be true or false`);
      return v;
    },
  };
}

function ddpmConfig(file: string, json: JsonObject): DdpmConfig {
  if (json._class_name !== 'DDPMScheduler') {
    throw badExport(
      file,
      `_class_name must be DDPMScheduler, got ${JSON.stringify(json._class_name)}`,
    );
  }
  const f = fields(file, json);
  for (const key of ['thresholding', 'rescale_betas_zero_snr']) {
    if (f.flag(key)) throw badExport(file, `${key} = true is not supported`);
  }
  if (json.trained_betas !== undefined && json.trained_betas !== null)
    throw badExport(file, 'trained_betas are not supported');
  return {
    trainTimesteps: f.number('num_train_timesteps', 1000),
    betaStart: f.number('beta_start', 0.0001),
    betaEnd: f.number('beta_end', 0.02),
    betaSchedule: f.choice(
      'beta_schedule',
      ['linear', 'scaled_linear', 'squaredcos_cap_v2'],
      'linear',
    ),
    varianceType: f.choice('variance_type', ddpmVarianceTypes, 'fixed_small'),
    prediction: f.choice('prediction_type', ['epsilon', 'sample', 'v_prediction'], 'epsilon'),
    clipSample: f.flag('clip_sample') ? f.number('clip_sample_range', 1) : undefined,
    timestepSpacing: f.choice('timestep_spacing', ['leading', 'trailing', 'linspace'], 'leading'),
    stepsOffset: f.number('steps_offset', 0),
  };
}

function unclipConfig(file: string, json: JsonObject): UnclipConfig {
  if (json._class_name !== 'UnCLIPScheduler') {
    throw badExport(
      file,
      `_class_name must be UnCLIPScheduler, got ${JSON.stringify(json._class_name)}`,
    );
  }
  const f = fields(file, json);
  f.choice('beta_schedule', ['squaredcos_cap_v2'], 'squaredcos_cap_v2');
  return {
    trainTimesteps: f.number('num_train_timesteps', 1000),
    varianceType: f.choice(
      'variance_type',
      ['fixed_small_log', 'learned_range'],
      'fixed_small_log',
    ),
    prediction: f.choice('prediction_type', ['epsilon', 'sample'], 'epsilon'),
    clipSample: (json.clip_sample ?? true) === true ? f.number('clip_sample_range', 1) : undefined,
  };
}

function lcm(a: number, b: number): number {
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  return (a / gcd(a, b)) * b;
}
