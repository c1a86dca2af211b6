import { roundHalfEven } from '../diffusion/noiseSchedule';
import { betaScheduleAlphas, posteriorMean } from './noiseSchedules';

/** The prior's sampler settings, as `prior/scheduler/scheduler_config.json` gives them. */
export interface UnclipConfig {
  trainTimesteps: number;
  /** `fixed_small_log` (kandinsky-2-2-prior) or `learned_range`. */
  varianceType: 'fixed_small_log' | 'learned_range';
  /** Clip the predicted clean embedding to ±this (kandinsky-2-2-prior: 10); undefined = no clip. */
  clipSample: number | undefined;
  /** kandinsky-2-2-prior predicts the clean embedding (`sample`). */
  prediction: 'epsilon' | 'sample';
}

/**
 * The unCLIP prior's sampler (diffusers' UnCLIPScheduler) over the cosine (squaredcos_cap_v2)
 * schedule. N steps (N ≥ 2) run at t_j = round((N - 1 - j) · (T - 1) / (N - 1)) (half to even),
 * from T - 1 down to 0; each step goes to the next timestep (after the last, t - 1). After the
 * posterior mean (noiseSchedules.posteriorMean, beta recomputed for the skipped span), a step
 * with t > 0 adds σ · z, z standard normal of the sample's shape, with
 * σ² = max((1 - a') / (1 - a) · beta, 1e-20) (fixed_small_log). The initial noise is used as is.
 */
export class UnclipScheduler {
  readonly timesteps: Float64Array;
  private readonly betas: Float64Array;
  private readonly alphas: Float64Array;

  constructor(
    private readonly config: UnclipConfig,
    steps: number,
  ) {
    const T = config.trainTimesteps;
    if (!Number.isInteger(steps) || steps < 2 || steps > T) {
      throw new RangeError(`prior steps must be an integer in [2, ${T}], got ${steps}`);
    }
    const schedule = betaScheduleAlphas({
      schedule: 'squaredcos_cap_v2',
      trainTimesteps: T,
      betaStart: 0,
      betaEnd: 0,
    });
    this.betas = schedule.betas;
    this.alphas = schedule.alphasCumprod;
    const ratio = (T - 1) / (steps - 1);
    this.timesteps = Float64Array.from({ length: steps }, (_, j) =>
      roundHalfEven((steps - 1 - j) * ratio),
    );
  }

  /**
   * The sample after step i. `model` is the prior's (guided) prediction for `sample`;
   * `noise` gives the step's standard normals (called only when t > 0).
   */
  step(
    model: Float32Array,
    stepIndex: number,
    sample: Float32Array,
    noise: (dims: number) => Float32Array,
  ): Float32Array {
    const t = this.timesteps[stepIndex] as number;
    const prev =
      stepIndex + 1 < this.timesteps.length ? (this.timesteps[stepIndex + 1] as number) : t - 1;
    const a = this.alphas[t] as number;
    const aPrev = prev >= 0 ? (this.alphas[prev] as number) : 1;
    const n = sample.length;
    const learned = this.config.varianceType === 'learned_range' && model.length === 2 * n;
    // One training step (t' = t - 1) uses the trained beta, a longer one the span's.
    const beta =
      prev === t - 1 ? (this.betas[t] as number) : Math.fround(1 - Math.fround(a / aPrev));
    const out = posteriorMean({
      a,
      aPrev,
      beta,
      alpha: Math.fround(1 - beta),
      prediction: this.config.prediction,
      clip: this.config.clipSample,
      model: learned ? model.subarray(0, n) : model,
      sample,
    });
    if (t <= 0) return out;
    const z = noise(n);
    const f32 = Math.fround;
    const variance = f32(f32(f32(1 - aPrev) / f32(1 - a)) * beta);
    for (let j = 0; j < n; j++) {
      let sigma: number;
      if (learned) {
        const frac = ((model[n + j] as number) + 1) / 2;
        sigma = Math.exp(0.5 * (frac * Math.log(beta) + (1 - frac) * Math.log(variance)));
      } else {
        sigma = f32(Math.exp(f32(0.5 * f32(Math.log(Math.max(variance, 1e-20))))));
      }
      out[j] = f32((out[j] as number) + f32(sigma * (z[j] as number)));
    }
    return out;
  }
}
