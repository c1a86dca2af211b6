import { join } from 'node:path';
import { badExport, type JsonObject, readJsonObject } from '../exportFiles';
import { FLOW_MATCH_DEFAULTS, type FlowMatchConfig } from './flowMatchSchedule';

/** What a Flux export's JSON files say (see readFluxExport). */
export interface FluxExportSettings {
  /** model_index.json `_class_name` (FluxPipeline), when the export has one. */
  pipelineClass: string | undefined;
  /** transformer/config.json `guidance_embeds`: the transformer takes a `guidance` input. */
  guidanceEmbeds: boolean;
  /** transformer/config.json `in_channels`: 4 × the VAE's latent channels. */
  inChannels: number;
  latentChannels: number;
  /** 2^(len(block_out_channels) − 1): pixels per latent. */
  vaeScaleFactor: number;
  vaeScalingFactor: number;
  vaeShiftFactor: number;
  scheduler: FlowMatchConfig;
  schedulerClass: string | undefined;
}

const SCHEDULER = 'FlowMatchEulerDiscreteScheduler';

/**
 * Reads `model_index.json`, `transformer/config.json`, the VAE's `config.json`
 * (`vae_decoder/`) and `scheduler/scheduler_config.json` of a Flux export. The transformer and
 * VAE configs are required; the scheduler config may be absent (the scheduler's defaults apply)
 * but must name FlowMatchEulerDiscreteScheduler and no option this runtime does not implement.
 */
export async function readFluxExport(dir: string): Promise<FluxExportSettings> {
  const index = await readJsonObject(join(dir, 'model_index.json'));
  const pipelineClass = index ? optionalString(index, '_class_name', dir) : undefined;
  if (pipelineClass !== undefined && !pipelineClass.startsWith('Flux')) {
    throw badExport(
      join(dir, 'model_index.json'),
      `_class_name ${pipelineClass} is not a Flux pipeline`,
    );
  }
  const transformerFile = join(dir, 'transformer', 'config.json');
  const transformer = (await readJsonObject(transformerFile, {
    required: true,
    what: 'the transformer config',
  })) as JsonObject;
  const vaeFile = join(dir, 'vae_decoder', 'config.json');
  const vae = (await readJsonObject(vaeFile, {
    required: true,
    what: 'the VAE config',
  })) as JsonObject;
  const blocks = vae.block_out_channels;
  if (!Array.isArray(blocks) || blocks.length === 0) {
    throw badExport(vaeFile, 'block_out_channels must be a non-empty list');
  }
  const latentChannels = positiveInt(vae, 'latent_channels', vaeFile, 16);
  const inChannels = positiveInt(transformer, 'in_channels', transformerFile, 64);
  if (inChannels !== 4 * latentChannels) {
    throw badExport(
      transformerFile,
      `in_channels ${inChannels} is not 4 × the VAE's latent_channels ${latentChannels}`,
    );
  }
  const schedulerFile = join(dir, 'scheduler', 'scheduler_config.json');
  const scheduler = await readJsonObject(schedulerFile);
  return {
    pipelineClass,
    guidanceEmbeds: transformer.guidance_embeds === true,
    inChannels,
    latentChannels,
    vaeScaleFactor: 2 ** (blocks.length - 1),
    vaeScalingFactor: number(vae, 'scaling_factor', vaeFile, undefined),
    vaeShiftFactor: number(vae, 'shift_factor', vaeFile, 0),
    scheduler: scheduler ? flowMatchConfig(scheduler, schedulerFile) : { ...FLOW_MATCH_DEFAULTS },
    schedulerClass: scheduler ? optionalString(scheduler, '_class_name', schedulerFile) : undefined,
  };
}

function flowMatchConfig(json: JsonObject, file: string): FlowMatchConfig {
  const cls = optionalString(json, '_class_name', file);
  if (cls !== undefined && cls !== SCHEDULER) {
    throw badExport(file, `_class_name ${cls}: Flux exports run ${SCHEDULER} only`);
  }
  const unsupported: [string, unknown][] = [
    ['shift_terminal', null],
    ['use_karras_sigmas', false],
    ['use_exponential_sigmas', false],
    ['use_beta_sigmas', false],
    ['invert_sigmas', false],
    ['stochastic_sampling', false],
    ['time_shift_type', 'exponential'],
  ];
  for (const [key, neutral] of unsupported) {
    const value = json[key];
    if (value !== undefined && value !== neutral) {
      throw badExport(file, `${key} ${JSON.stringify(value)} is not implemented here`);
    }
  }
  const d = FLOW_MATCH_DEFAULTS;
  return {
    numTrainTimesteps: positiveInt(json, 'num_train_timesteps', file, d.numTrainTimesteps),
    shift: number(json, 'shift', file, d.shift),
    useDynamicShifting: json.use_dynamic_shifting === true,
    baseShift: number(json, 'base_shift', file, d.baseShift),
    maxShift: number(json, 'max_shift', file, d.maxShift),
    baseImageSeqLen: positiveInt(json, 'base_image_seq_len', file, d.baseImageSeqLen),
    maxImageSeqLen: positiveInt(json, 'max_image_seq_len', file, d.maxImageSeqLen),
  };
}

function number(json: JsonObject, key: string, file: string, fallback: number | undefined): number {
  const value = json[key];
  if (value === undefined || value === null) {
    if (fallback === undefined) throw badExport(file, `has no ${key}`);
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw badExport(file, `${key} must be a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function positiveInt(json: JsonObject, key: string, file: string, fallback: number): number {
  const value = number(json, key, file, fallback);
  if (!Number.isInteger(value) || value < 1) {
    throw badExport(file, `${key} must be a positive integer, got ${value}`);
  }
  return value;
}

function optionalString(json: JsonObject, key: string, file: string): string | undefined {
  const value = json[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badExport(file, `${key} must be a string`);
  return value;
}
