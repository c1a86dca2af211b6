import { z } from 'zod';
import { DdimScheduler } from './ddimScheduler';
import { EulerScheduler } from './eulerScheduler';
import { LcmScheduler } from './lcmScheduler';
import { alphasCumprod, noiseScheduleSchema, spacedTimesteps } from './noiseSchedule';
import { type Scheduler, schedulerKinds } from './scheduler';

/**
 * A model's sampler settings. Defaults are those of the SD 1.x / SDXL base configs (scaled_linear
 * betas 0.00085…0.012 over 1000 steps, 'leading' spacing with offset 1, DDIM's final alpha = alphā_0);
 * Turbo/Lightning exports use 'trailing' spacing; LCM distils over 50 original steps.
 */
export const schedulerConfigSchema = noiseScheduleSchema.extend({
  kind: z.enum(schedulerKinds).default('euler'),
  timestepSpacing: z.enum(['leading', 'trailing', 'linspace']).default('leading'),
  stepsOffset: z.int().min(0).default(1),
  setAlphaToOne: z.boolean().default(false),
  originalSteps: z.int().min(1).default(50),
  /** DDIM only: clip the predicted clean sample to ±this (diffusers' clip_sample_range). */
  clipSample: z.number().positive().optional(),
});
export type SchedulerConfig = z.output<typeof schedulerConfigSchema>;
export type SchedulerConfigInput = z.input<typeof schedulerConfigSchema>;

/**
 * A model config's explicit sampler settings (they override the export's scheduler_config.json):
 * checked against the schema, and only the keys given are kept, so that nothing defaults here.
 */
export function parseSchedulerOverrides(
  input: Readonly<Record<string, unknown>>,
): SchedulerConfigInput {
  const full = schedulerConfigSchema.parse(input);
  return Object.fromEntries(
    Object.keys(input).map((key) => [key, full[key as keyof SchedulerConfig]]),
  ) as SchedulerConfigInput;
}

export function createScheduler(config: SchedulerConfig, steps: number): Scheduler {
  if (!Number.isInteger(steps) || steps < 1 || steps > config.trainTimesteps) {
    throw new RangeError(`steps must be an integer in [1, ${config.trainTimesteps}], got ${steps}`);
  }
  if (config.clipSample !== undefined && config.kind !== 'ddim') {
    throw new RangeError(`clipSample applies to the ddim scheduler, not ${config.kind}`);
  }
  const ac = alphasCumprod(config);
  if (config.kind === 'lcm') {
    return LcmScheduler.create({ alphasCumprod: ac, steps, originalSteps: config.originalSteps });
  }
  const timesteps = spacedTimesteps(
    config.trainTimesteps,
    steps,
    config.timestepSpacing,
    config.stepsOffset,
  );
  if (config.kind === 'ddim') {
    return DdimScheduler.create({
      alphasCumprod: ac,
      timesteps,
      setAlphaToOne: config.setAlphaToOne,
      ...(config.clipSample !== undefined ? { clipSample: config.clipSample } : {}),
    });
  }
  return EulerScheduler.create({
    alphasCumprod: ac,
    timesteps,
    leading: config.timestepSpacing === 'leading',
    ancestral: config.kind === 'euler_ancestral',
  });
}
