import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InferenceErrorCode } from '../errors';
import { createScheduler } from './createScheduler';
import { readDiffusionExport } from './diffusionExport';

/** scheduler/scheduler_config.json as diffusers 0.39 saves an SD 1.5 EulerDiscreteScheduler. */
const EULER = {
  _class_name: 'EulerDiscreteScheduler',
  _diffusers_version: '0.39.0',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  final_sigmas_type: 'zero',
  interpolation_type: 'linear',
  num_train_timesteps: 1000,
  prediction_type: 'epsilon',
  rescale_betas_zero_snr: false,
  set_alpha_to_one: false,
  sigma_max: null,
  sigma_min: null,
  skip_prk_steps: true,
  steps_offset: 1,
  timestep_spacing: 'leading',
  timestep_type: 'discrete',
  trained_betas: null,
  use_beta_sigmas: false,
  use_exponential_sigmas: false,
  use_karras_sigmas: false,
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sd-export-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(path: string, value: object | string): Promise<void> {
  const file = join(dir, path);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}
const schedulerFile = () => join(dir, 'scheduler', 'scheduler_config.json');

describe('readDiffusionExport: scheduler/scheduler_config.json', () => {
  // Expected values: diffusers 0.39 set_timesteps on the same configs (timesteps exact; its
  // sigmas and init_noise_sigma are float32).
  const cases: [string, object, number, number[], number][] = [
    [
      'Euler, leading, offset 1',
      {},
      10,
      [901, 801, 701, 601, 501, 401, 301, 201, 101, 1],
      8.450066566467285,
    ],
    [
      'Euler ancestral, trailing',
      { _class_name: 'EulerAncestralDiscreteScheduler', timestep_spacing: 'trailing' },
      4,
      [999, 749, 499, 249],
      14.614646911621094,
    ],
    [
      'Euler, linspace, linear betas',
      { timestep_spacing: 'linspace', beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02 },
      5,
      [999, 749.25, 499.5, 249.75, 0],
      157.4072723388672,
    ],
    [
      'Euler, 500 training steps, offset 0',
      { num_train_timesteps: 500, steps_offset: 0 },
      5,
      [400, 300, 200, 100, 0],
      2.2869880199432373,
    ],
    [
      'DDIM, alpha to one',
      { _class_name: 'DDIMScheduler', set_alpha_to_one: true, clip_sample: false },
      4,
      [751, 501, 251, 1],
      1,
    ],
    [
      'LCM over 25 original steps',
      { _class_name: 'LCMScheduler', original_inference_steps: 25, clip_sample: false },
      4,
      [999, 759, 519, 279],
      1,
    ],
  ];
  for (const [name, fields, steps, timesteps, init] of cases) {
    it(`${name}: the timesteps diffusers computes`, async () => {
      await write('scheduler/scheduler_config.json', { ...EULER, ...fields });
      const settings = await readDiffusionExport({ dir });
      expect(settings.schedulerFallback).toBeUndefined();
      const scheduler = createScheduler(settings.scheduler, steps);
      expect(Array.from(scheduler.timesteps)).toEqual(timesteps);
      // diffusers' sigmas are float32: equal to its precision.
      expect(Math.abs(scheduler.initNoiseSigma - init)).toBeLessThan(1e-6 * init);
    });
  }

  it('reads every setting it maps (DDIM keeps set_alpha_to_one and clip_sample_range)', async () => {
    await write('scheduler/scheduler_config.json', {
      ...EULER,
      _class_name: 'DDIMScheduler',
      clip_sample: true,
      clip_sample_range: 1.5,
      set_alpha_to_one: true,
      timestep_spacing: 'trailing',
    });
    expect((await readDiffusionExport({ dir })).scheduler).toEqual({
      kind: 'ddim',
      trainTimesteps: 1000,
      betaStart: 0.00085,
      betaEnd: 0.012,
      betaSchedule: 'scaled_linear',
      timestepSpacing: 'trailing',
      stepsOffset: 1,
      setAlphaToOne: true,
      originalSteps: 50,
      clipSample: 1.5,
    });
  });

  it('a scheduler not implemented here (PNDM) runs as euler with its noise schedule', async () => {
    await write('scheduler/scheduler_config.json', {
      _class_name: 'PNDMScheduler',
      beta_end: 0.02,
      beta_schedule: 'linear',
      beta_start: 0.0001,
      num_train_timesteps: 1000,
      prediction_type: 'epsilon',
      set_alpha_to_one: false,
      skip_prk_steps: true,
      steps_offset: 1,
      timestep_spacing: 'leading',
      trained_betas: null,
    });
    const settings = await readDiffusionExport({ dir });
    expect(settings.schedulerClass).toBe('PNDMScheduler');
    expect(settings.schedulerFallback).toBe('euler');
    expect(settings.scheduler).toMatchObject({
      kind: 'euler',
      betaSchedule: 'linear',
      betaEnd: 0.02,
    });
    const chosen = await readDiffusionExport({ dir, scheduler: { kind: 'ddim' } });
    expect(chosen.schedulerFallback).toBeUndefined();
    expect(chosen.scheduler.kind).toBe('ddim');
  });

  it('explicit config entries > the export’s file > defaults', async () => {
    await write('scheduler/scheduler_config.json', { ...EULER, steps_offset: 0 });
    const settings = await readDiffusionExport({
      dir,
      scheduler: { timestepSpacing: 'trailing', kind: 'euler_ancestral' },
    });
    expect(settings.scheduler).toMatchObject({
      kind: 'euler_ancestral',
      timestepSpacing: 'trailing',
      stepsOffset: 0,
      originalSteps: 50,
    });
    await rm(schedulerFile());
    const defaults = await readDiffusionExport({ dir });
    expect(defaults.schedulerClass).toBeUndefined();
    expect(createScheduler(defaults.scheduler, 4).timesteps).toEqual(
      Float64Array.from([751, 501, 251, 1]),
    );
  });

  const refused: [string, object, string][] = [
    ['v-prediction', { prediction_type: 'v_prediction' }, 'prediction_type = "v_prediction"'],
    ['Karras sigmas', { use_karras_sigmas: true }, 'use_karras_sigmas = true'],
    ['trained betas', { trained_betas: [0.1, 0.2] }, 'trained_betas = [0.1,0.2]'],
    ['cosine betas', { beta_schedule: 'squaredcos_cap_v2' }, 'beta_schedule = "squaredcos_cap_v2"'],
    ['zero-SNR rescaling', { rescale_betas_zero_snr: true }, 'rescale_betas_zero_snr = true'],
    [
      'log-linear sigmas',
      { interpolation_type: 'log_linear' },
      'interpolation_type = "log_linear"',
    ],
    ['another spacing', { timestep_spacing: 'karras' }, 'timestep_spacing = "karras"'],
  ];
  for (const [name, fields, says] of refused) {
    it(`refuses ${name}, naming the file and field`, async () => {
      await write('scheduler/scheduler_config.json', { ...EULER, ...fields });
      await expect(readDiffusionExport({ dir })).rejects.toMatchObject({
        code: InferenceErrorCode.BadExport,
        message: expect.stringContaining(`${schedulerFile()}: ${says} is not supported`),
      });
    });
  }

  it('names the file of malformed JSON and of a bad value', async () => {
    await write('scheduler/scheduler_config.json', '{"_class_name": "EulerDiscreteScheduler",');
    await expect(readDiffusionExport({ dir })).rejects.toThrow(
      new RegExp(`^${schedulerFile()}: is not valid JSON`),
    );
    await write('scheduler/scheduler_config.json', { ...EULER, num_train_timesteps: 1 });
    await expect(readDiffusionExport({ dir })).rejects.toThrow(
      `${schedulerFile()}: trainTimesteps:`,
    );
    await write('scheduler/scheduler_config.json', EULER);
    await expect(readDiffusionExport({ dir, scheduler: { stepsOffset: -1 } })).rejects.toThrow(
      'the model config scheduler: stepsOffset:',
    );
  });
});

describe('readDiffusionExport: the VAE’s scaling factor and model_index.json', () => {
  it('reads scaling_factor from vae_decoder/config.json (Optimum), else vae/config.json', async () => {
    await write('vae/config.json', { scaling_factor: 0.5, shift_factor: null });
    expect(await readDiffusionExport({ dir })).toMatchObject({
      vaeScalingFactor: 0.5,
      vaeScalingFrom: 'vae/config.json',
    });
    await write('vae_decoder/config.json', { scaling_factor: 0.13025, shift_factor: null });
    expect(await readDiffusionExport({ dir })).toMatchObject({
      vaeScalingFactor: 0.13025,
      vaeScalingFrom: 'vae_decoder/config.json',
    });
    expect(await readDiffusionExport({ dir, vaeScalingFactor: 0.2 })).toMatchObject({
      vaeScalingFactor: 0.2,
      vaeScalingFrom: 'config',
    });
  });

  it('defaults to 0.18215 without a VAE config, and refuses a shift factor', async () => {
    expect(await readDiffusionExport({ dir })).toMatchObject({
      vaeScalingFactor: 0.18215,
      vaeScalingFrom: 'default',
      pipelineClass: undefined,
      forceZerosForEmptyPrompt: false,
    });
    await write('vae_decoder/config.json', { scaling_factor: 1.5305, shift_factor: 0.0609 });
    await expect(readDiffusionExport({ dir })).rejects.toThrow(
      `${join(dir, 'vae_decoder', 'config.json')}: shift_factor = 0.0609 is not supported`,
    );
  });

  it('model_index.json: the pipeline class, SDXL’s force_zeros_for_empty_prompt', async () => {
    await write('model_index.json', {
      _class_name: 'StableDiffusionXLPipeline',
      _diffusers_version: '0.39.0',
      force_zeros_for_empty_prompt: true,
      scheduler: ['diffusers', 'EulerDiscreteScheduler'],
    });
    await write('text_encoder/config.json', { max_position_embeddings: 77 });
    expect(await readDiffusionExport({ dir })).toMatchObject({
      pipelineClass: 'StableDiffusionXLPipeline',
      forceZerosForEmptyPrompt: true,
      requiresSafetyChecker: undefined,
      encoderMaxLengths: [77, undefined],
    });
  });
});
