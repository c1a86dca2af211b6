import { exportError, type JsonObject } from '../exportFiles';
import type { SchedulerConfigInput } from './createScheduler';
import type { TimestepSpacing } from './noiseSchedule';
import type { SchedulerKind } from './scheduler';

/** diffusers scheduler classes that run here, by `_class_name`. */
const KINDS: Readonly<Record<string, SchedulerKind>> = {
  EulerDiscreteScheduler: 'euler',
  EulerAncestralDiscreteScheduler: 'euler_ancestral',
  DDIMScheduler: 'ddim',
  LCMScheduler: 'lcm',
};

export interface DiffusersScheduler {
  /** `_class_name` of the file. */
  className: string;
  /** Our settings read from the file; `kind` is absent when the class is not one we run. */
  values: SchedulerConfigInput;
}

/**
 * Our scheduler settings from a diffusers `scheduler_config.json` (the noise schedule, the
 * spacing and offset of timesteps, DDIM's final alpha and x0 clipping, LCM's original steps).
 * Settings we do not implement are refused, naming the file and field: a prediction other than
 * epsilon, trained betas, betas other than scaled_linear/linear, Karras/exponential/beta sigmas,
 * zero-SNR rescaling, thresholding, log-linear interpolation. A class we do not run (PNDM, DPM
 * solvers, …) gives no `kind`: only its noise schedule and timestep spacing are read.
 */
export function schedulerFromDiffusers(json: JsonObject, file: string): DiffusersScheduler {
  const field = (key: string) => `${file}: ${key}`;
  const className = json._class_name;
  if (typeof className !== 'string') throw exportError(`${field('_class_name')} is missing`);
  const kind = KINDS[className];
  const values: SchedulerConfigInput = {};
  const number = (key: string): number | undefined => {
    const v = json[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw exportError(`${field(key)} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const flag = (key: string): boolean | undefined => {
    const v = json[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean')
      throw exportError(`${field(key)} must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  const refuse = (key: string, why: string): never => {
    throw exportError(`${field(key)} = ${JSON.stringify(json[key])} is not supported: ${why}`);
  };

  const prediction = json.prediction_type ?? 'epsilon';
  if (prediction !== 'epsilon')
    refuse('prediction_type', 'only noise-predicting (epsilon) models run here');
  if (json.trained_betas !== undefined && json.trained_betas !== null)
    refuse('trained_betas', 'betas come from beta_start, beta_end and beta_schedule');
  const schedule = json.beta_schedule;
  if (schedule !== undefined) {
    if (schedule !== 'scaled_linear' && schedule !== 'linear')
      refuse('beta_schedule', 'scaled_linear and linear are');
    values.betaSchedule = schedule as 'scaled_linear' | 'linear';
  }
  const T = number('num_train_timesteps');
  if (T !== undefined) values.trainTimesteps = T;
  const betaStart = number('beta_start');
  if (betaStart !== undefined) values.betaStart = betaStart;
  const betaEnd = number('beta_end');
  if (betaEnd !== undefined) values.betaEnd = betaEnd;
  const spacing = json.timestep_spacing;
  if (spacing !== undefined && spacing !== null) {
    if (spacing !== 'leading' && spacing !== 'trailing' && spacing !== 'linspace')
      refuse('timestep_spacing', 'leading, trailing and linspace are');
    values.timestepSpacing = spacing as TimestepSpacing;
  }
  const offset = number('steps_offset');
  if (offset !== undefined) values.stepsOffset = offset;
  if (kind === undefined) return { className, values };

  values.kind = kind;
  for (const key of [
    'use_karras_sigmas',
    'use_exponential_sigmas',
    'use_beta_sigmas',
    'rescale_betas_zero_snr',
    'thresholding',
  ]) {
    if (flag(key) === true) refuse(key, 'the samplers here use the plain schedule');
  }
  if ((json.interpolation_type ?? 'linear') !== 'linear')
    refuse('interpolation_type', 'sigmas are interpolated linearly');
  if ((json.timestep_type ?? 'discrete') !== 'discrete')
    refuse('timestep_type', 'timesteps are discrete');
  if ((json.final_sigmas_type ?? 'zero') !== 'zero')
    refuse('final_sigmas_type', 'the last sigma is zero');
  const setAlphaToOne = flag('set_alpha_to_one');
  if (setAlphaToOne !== undefined) values.setAlphaToOne = setAlphaToOne;
  const originalSteps = number('original_inference_steps');
  if (originalSteps !== undefined) values.originalSteps = originalSteps;
  if (flag('clip_sample') === true) {
    if (kind !== 'ddim') refuse('clip_sample', 'only DDIM clips its predicted sample here');
    values.clipSample = number('clip_sample_range') ?? 1;
  }
  if (kind === 'lcm' && (number('timestep_scaling') ?? 10) !== 10)
    refuse('timestep_scaling', 'LCM boundary conditions use 10');
  return { className, values };
}
