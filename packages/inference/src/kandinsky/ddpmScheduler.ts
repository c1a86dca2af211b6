import { roundHalfEven, spacedTimesteps, type TimestepSpacing } from '../diffusion/noiseSchedule';
import { type BetaSchedule, betaScheduleAlphas, posteriorMean } from './noiseSchedules';

export const ddpmVarianceTypes = [
  'fixed_small',
  'fixed_small_log',
  'fixed_large',
  'learned',
  'learned_range',
] as const;
export type DdpmVarianceType = (typeof ddpmVarianceTypes)[number];

/** The decoder's sampler settings, as `scheduler/scheduler_config.json` (DDPMScheduler) gives them. */
export interface DdpmConfig {
  trainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
  /** kandinsky-2-2-decoder: `learned_range` (the UNet predicts the variance too). */
  varianceType: DdpmVarianceType;
  prediction: 'epsilon' | 'sample' | 'v_prediction';
  /** Clip the predicted clean latents to ±this; undefined = no clip (kandinsky-2-2-decoder). */
  clipSample: number | undefined;
  timestepSpacing: TimestepSpacing;
  stepsOffset: number;
}

/** True when the scheduler reads a predicted variance from the model's second half of channels. */
export function learnsVariance(type: DdpmVarianceType): boolean {
  return type === 'learned' || type === 'learned_range';
}

/**
 * DDPM ancestral sampling (diffusers' DDPMScheduler). Timesteps as the config spaces them
 * (kandinsky-2-2-decoder: 'leading', offset 1, so the last is 1 and every step adds noise).
 * Step i goes from t to the next timestep of the full N-step schedule (-1 after the last): the
 * posterior mean (noiseSchedules.posteriorMean), then, when t > 0, + σ · z with the posterior
 * variance v = max((1 - a') / (1 - a) · beta, 1e-20), beta = 1 - a / a':
 * fixed_small(_log): σ = √v; fixed_large: σ = √beta; learned: σ = √p;
 * learned_range: σ = exp(½ (f · ln beta + (1 - f) ln v)), f = (p + 1) / 2,
 * p the model's predicted variance (its channels after the latent ones).
 * addNoise at step i: √a x0 + √(1 - a) noise.
 */
export class DdpmScheduler {
  private constructor(
    private readonly config: DdpmConfig,
    private readonly alphas: Float64Array,
    /** The timesteps run, descending. */
    readonly timesteps: Float64Array,
    /** Each step's target timestep (-1 after the last of the full schedule). */
    private readonly prevTimesteps: Float64Array,
  ) {}

  static create(config: DdpmConfig, steps: number): DdpmScheduler {
    const T = config.trainTimesteps;
    if (!Number.isInteger(steps) || steps < 1 || steps > T) {
      throw new RangeError(`steps must be an integer in [1, ${T}], got ${steps}`);
    }
    const { alphasCumprod: alphas } = betaScheduleAlphas({
      schedule: config.betaSchedule,
      trainTimesteps: T,
      betaStart: config.betaStart,
      betaEnd: config.betaEnd,
    });
    const spaced = spacedTimesteps(T, steps, config.timestepSpacing, config.stepsOffset);
    const timesteps = spaced.map(roundHalfEven);
    const prev = timesteps.map((_, i) => (i + 1 < steps ? (timesteps[i + 1] as number) : -1));
    return new DdpmScheduler(config, alphas, timesteps, prev);
  }

  /** Standard normal noise is used unscaled as the initial sample. */
  get initNoiseSigma(): number {
    return 1;
  }

  /** The same schedule from step `startIndex` on (image-to-image). */
  tail(startIndex: number): DdpmScheduler {
    return new DdpmScheduler(
      this.config,
      this.alphas,
      this.timesteps.slice(startIndex),
      this.prevTimesteps.slice(startIndex),
    );
  }

  addNoise(clean: Float32Array, noise: Float32Array, stepIndex: number): Float32Array {
    const a = this.alphas[this.timesteps[stepIndex] as number] as number;
    const sa = Math.sqrt(a);
    const sb = Math.sqrt(1 - a);
    return Float32Array.from(clean, (v, j) => sa * v + sb * (noise[j] as number));
  }

  /**
   * The sample after step i. `model` holds the latent-sized prediction, followed by the predicted
   * variance when the variance type is learned (the UNet's full output); `noise` is called for
   * the step's standard normals when t > 0.
   */
  step(
    model: Float32Array,
    stepIndex: number,
    sample: Float32Array,
    noise: (count: number) => Float32Array,
  ): Float32Array {
    const n = sample.length;
    const t = this.timesteps[stepIndex] as number;
    const prev = this.prevTimesteps[stepIndex] as number;
    const a = this.alphas[t] as number;
    const aPrev = prev >= 0 ? (this.alphas[prev] as number) : 1;
    const learned = learnsVariance(this.config.varianceType);
    if (learned && model.length !== 2 * n) {
      throw new RangeError(
        `a ${this.config.varianceType} scheduler needs the predicted variance: ${model.length} values for a sample of ${n}`,
      );
    }
    const f32 = Math.fround;
    const beta = f32(1 - f32(a / aPrev));
    const out = posteriorMean({
      a,
      aPrev,
      beta,
      alpha: f32(a / aPrev),
      prediction: this.config.prediction,
      clip: this.config.clipSample,
      model: model.subarray(0, n),
      sample,
    });
    if (t <= 0) return out;
    const z = noise(n);
    const variance = Math.max(f32(f32(f32(1 - aPrev) / f32(1 - a)) * beta), 1e-20);
    const type = this.config.varianceType;
    const fixed =
      type === 'fixed_large' ? Math.sqrt(beta) : type.startsWith('fixed') ? Math.sqrt(variance) : 0;
    const minLog = f32(Math.log(variance));
    const maxLog = f32(Math.log(beta));
    for (let j = 0; j < n; j++) {
      let sigma = fixed;
      if (type === 'learned') sigma = Math.sqrt(model[n + j] as number);
      else if (type === 'learned_range') {
        const frac = f32(f32((model[n + j] as number) + 1) / 2);
        sigma = f32(Math.exp(f32(0.5 * f32(f32(frac * maxLog) + f32(f32(1 - frac) * minLog)))));
      }
      out[j] = f32((out[j] as number) + f32(sigma * (z[j] as number)));
    }
    return out;
  }
}
