import { join } from 'node:path';
import { exportError, type JsonObject, readJsonObject } from '../exportFiles';
import {
  type SchedulerConfig,
  type SchedulerConfigInput,
  schedulerConfigSchema,
} from './createScheduler';
import { schedulerFromDiffusers } from './diffusersScheduler';

/** SD 1.x/2.x's VAE latent scale: the default when neither the export nor the config gives one. */
export const DEFAULT_VAE_SCALING_FACTOR = 0.18215;

/** What a diffusion export folder says about itself, with the model config's overrides applied. */
export interface DiffusionExportSettings {
  /** model_index.json's `_class_name` (StableDiffusionXLPipeline, …); undefined without the file. */
  pipelineClass: string | undefined;
  /** SDXL: an empty negative prompt conditions on zeros (hidden states and pooled embeds). */
  forceZerosForEmptyPrompt: boolean;
  /** model_index.json's `requires_safety_checker`, only logged. */
  requiresSafetyChecker: boolean | undefined;
  scheduler: SchedulerConfig;
  /** The export's scheduler class, and where the settings came from. */
  schedulerClass: string | undefined;
  /** Set when the export's scheduler is one we do not run: the kind used instead. */
  schedulerFallback: string | undefined;
  vaeScalingFactor: number;
  vaeScalingFrom: 'config' | 'vae_decoder/config.json' | 'vae/config.json' | 'default';
  /** `max_position_embeddings` of text_encoder/ and text_encoder_2/ config.json, when given. */
  encoderMaxLengths: readonly [number | undefined, number | undefined];
  /** From unet/config.json: how often each ControlNet residual input is halved (see UnetModel). */
  unetResiduals: UnetResidualLayout | undefined;
}

/**
 * The spatial layout of a UNet's ControlNet residual inputs: `down[i]` is how many times the
 * latent is halved (rounding up) at `down_block_additional_residual_i`, `mid` at the mid block.
 * Each down block gives `layers_per_block` residuals at its resolution, and every block but the
 * last one more, after its downsampler; `conv_in` gives the first, at full resolution.
 */
export interface UnetResidualLayout {
  down: readonly number[];
  mid: number;
}

export function unetResidualLayout(blocks: number, layersPerBlock: number): UnetResidualLayout {
  const down = [0];
  for (let b = 0; b < blocks; b++) {
    for (let l = 0; l < layersPerBlock; l++) down.push(b);
    if (b < blocks - 1) down.push(b + 1);
  }
  return { down, mid: blocks - 1 };
}

/**
 * Reads the configuration files diffusers and Optimum write beside the ONNX parts:
 * `model_index.json` (optional: older layouts have none), `scheduler/scheduler_config.json`,
 * `vae_decoder/config.json` (Optimum) or `vae/config.json` (diffusers), and the text encoders'
 * `config.json`. Precedence, per setting: the model config's explicit entries (`scheduler`,
 * `vaeScalingFactor`), then the export's files, then SD's defaults. A setting the pipelines do
 * not implement fails here, naming its file and field.
 */
export async function readDiffusionExport(options: {
  dir: string;
  scheduler?: SchedulerConfigInput | undefined;
  vaeScalingFactor?: number | undefined;
}): Promise<DiffusionExportSettings> {
  const { dir } = options;
  const index = await readJsonObject(join(dir, 'model_index.json'));
  const pipelineClass = optionalString(index, '_class_name', join(dir, 'model_index.json'));

  const schedulerFile = join(dir, 'scheduler', 'scheduler_config.json');
  const schedulerJson = await readJsonObject(schedulerFile);
  const fromExport = schedulerJson
    ? schedulerFromDiffusers(schedulerJson, schedulerFile)
    : undefined;
  const override = options.scheduler ?? {};
  const merged = { ...fromExport?.values, ...override };
  const parsed = schedulerConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    const where = key in override ? 'the model config scheduler' : schedulerFile;
    throw exportError(`${where}: ${key}: ${issue?.message}`);
  }
  const fallback =
    fromExport && fromExport.values.kind === undefined && override.kind === undefined
      ? parsed.data.kind
      : undefined;

  const vae = await vaeScaling(dir, options.vaeScalingFactor);
  const encoderMaxLengths = [
    await maxPositions(join(dir, 'text_encoder', 'config.json')),
    await maxPositions(join(dir, 'text_encoder_2', 'config.json')),
  ] as const;
  const unetResiduals = await residualLayout(join(dir, 'unet', 'config.json'));
  const flag = (key: string) => {
    const v = index?.[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean')
      throw exportError(`${join(dir, 'model_index.json')}: ${key} must be true or false`);
    return v;
  };
  return {
    pipelineClass,
    forceZerosForEmptyPrompt: flag('force_zeros_for_empty_prompt') ?? false,
    requiresSafetyChecker: flag('requires_safety_checker'),
    scheduler: parsed.data,
    schedulerClass: fromExport?.className,
    schedulerFallback: fallback,
    vaeScalingFactor: vae.factor,
    vaeScalingFrom: vae.from,
    encoderMaxLengths,
    unetResiduals,
  };
}

async function residualLayout(file: string): Promise<UnetResidualLayout | undefined> {
  const config = await readJsonObject(file);
  if (!config) return undefined;
  const blocks = config.down_block_types;
  const layers = config.layers_per_block;
  if (blocks === undefined && layers === undefined) return undefined;
  if (!Array.isArray(blocks) || blocks.length < 1 || blocks.length > 8)
    throw exportError(`${file}: down_block_types must be a list of 1 to 8 block names`);
  if (!Number.isInteger(layers) || (layers as number) < 1 || (layers as number) > 8)
    throw exportError(`${file}: layers_per_block must be an integer in [1, 8]`);
  return unetResidualLayout(blocks.length, layers as number);
}

async function vaeScaling(
  dir: string,
  override: number | undefined,
): Promise<{ factor: number; from: DiffusionExportSettings['vaeScalingFrom'] }> {
  for (const part of ['vae_decoder', 'vae'] as const) {
    const file = join(dir, part, 'config.json');
    const config = await readJsonObject(file);
    if (!config) continue;
    const shift = config.shift_factor;
    if (shift !== undefined && shift !== null && shift !== 0) {
      throw exportError(`${file}: shift_factor = ${JSON.stringify(shift)} is not supported`);
    }
    for (const key of ['latents_mean', 'latents_std']) {
      if (config[key] !== undefined && config[key] !== null)
        throw exportError(`${file}: ${key} is not supported (SD 1.x/2.x/XL VAEs have none)`);
    }
    if (override !== undefined) return { factor: override, from: 'config' };
    const factor = config.scaling_factor;
    if (factor === undefined || factor === null) continue;
    if (typeof factor !== 'number' || !(factor > 0))
      throw exportError(`${file}: scaling_factor must be a positive number`);
    return { factor, from: `${part}/config.json` };
  }
  if (override !== undefined) return { factor: override, from: 'config' };
  return { factor: DEFAULT_VAE_SCALING_FACTOR, from: 'default' };
}

async function maxPositions(file: string): Promise<number | undefined> {
  const config = await readJsonObject(file);
  const n = config?.max_position_embeddings;
  if (n === undefined || n === null) return undefined;
  if (!Number.isInteger(n) || (n as number) < 3)
    throw exportError(`${file}: max_position_embeddings must be an integer ≥ 3`);
  return n as number;
}

function optionalString(json: JsonObject | undefined, key: string, file: string) {
  const v = json?.[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw exportError(`${file}: ${key} must be a string`);
  return v;
}
