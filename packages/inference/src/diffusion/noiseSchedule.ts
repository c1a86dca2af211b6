import { z } from 'zod';

/**
 * The training noise schedule of a diffusion model, as the published SD/SDXL configs give it:
 * `scaled_linear` betas = linspace(√beta_start, √beta_end, T)², `linear` betas = linspace(beta_start,
 * beta_end, T); alphā_t = Π_{s≤t} (1 - beta_s). Computed in float64.
 */
export const noiseScheduleSchema = z
  .object({
    trainTimesteps: z.int().min(2).default(1000),
    betaStart: z.number().positive().default(0.00085),
    betaEnd: z.number().positive().default(0.012),
    betaSchedule: z.enum(['scaled_linear', 'linear']).default('scaled_linear'),
  })
  .strict();
export type NoiseScheduleConfig = z.output<typeof noiseScheduleSchema>;

export function alphasCumprod(config: NoiseScheduleConfig): Float64Array {
  const T = config.trainTimesteps;
  const [lo, hi] =
    config.betaSchedule === 'scaled_linear'
      ? [Math.sqrt(config.betaStart), Math.sqrt(config.betaEnd)]
      : [config.betaStart, config.betaEnd];
  const out = new Float64Array(T);
  let product = 1;
  for (let t = 0; t < T; t++) {
    const b = lo + ((hi - lo) * t) / (T - 1);
    const beta = config.betaSchedule === 'scaled_linear' ? b * b : b;
    product *= 1 - beta;
    out[t] = product;
  }
  return out;
}

/** How inference timesteps are spread over the training ones (names as in the model configs). */
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';

/**
 * Inference timesteps, descending, for N steps over T training steps:
 * - leading: t_i = round(i · ⌊T/N⌋) + offset for i = N-1 … 0 (SD/SDXL's default, offset 1);
 * - trailing: t = round(T - j · T/N) - 1 for j = 0 … N-1 (Turbo/Lightning-style);
 * - linspace: N evenly spaced values from T-1 down to 0 (fractional values kept).
 */
export function spacedTimesteps(
  T: number,
  steps: number,
  spacing: TimestepSpacing,
  offset: number,
): Float64Array {
  const out = new Float64Array(steps);
  for (let j = 0; j < steps; j++) {
    const i = steps - 1 - j;
    if (spacing === 'leading') out[j] = roundHalfEven(i * Math.floor(T / steps)) + offset;
    else if (spacing === 'trailing') out[j] = roundHalfEven(T + j * -(T / steps)) - 1;
    else if (steps === 1 || i === steps - 1) out[j] = steps === 1 ? 0 : T - 1;
    else out[j] = i * ((T - 1) / (steps - 1));
  }
  return out;
}

/** numpy's round: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
