import { roundHalfEven } from './noiseSchedule';
import type { Scheduler } from './scheduler';
import { mapSamples } from './scheduler';

/**
 * DDIM with eta = 0 (deterministic). At step i with timestep t and previous timestep
 * t' = t - ⌊T / N⌋ (N = the full step count): a = alphā_t, a' = alphā_{t'} (or `finalAlpha` when
 * t' < 0: 1 when the config sets alpha to one, else alphā_0);
 * x0 = (x - √(1 - a) eps) / √a, clipped to ±clipSample when set (diffusers' clip_sample);
 * x' = √a' x0 + √(1 - a') eps. Model input is x; initNoiseSigma = 1;
 * addNoise at step i: √a x0 + √(1 - a) noise.
 */
export class DdimScheduler implements Scheduler {
  readonly kind = 'ddim' as const;
  readonly initNoiseSigma = 1;

  constructor(
    readonly timesteps: Float64Array,
    /** alphā at each timestep. */
    readonly alphas: Float64Array,
    /** alphā at each step's previous timestep. */
    readonly alphasPrev: Float64Array,
    readonly clipSample = Number.POSITIVE_INFINITY,
  ) {}

  static create(options: {
    alphasCumprod: Float64Array;
    timesteps: Float64Array;
    setAlphaToOne: boolean;
    clipSample?: number;
  }): DdimScheduler {
    const ac = options.alphasCumprod;
    const T = ac.length;
    const N = options.timesteps.length;
    const final = options.setAlphaToOne ? 1 : (ac[0] as number);
    // 'linspace' spacing gives fractional timesteps; DDIM uses them rounded (half to even).
    const timesteps = options.timesteps.map(roundHalfEven);
    const alphas = Float64Array.from(timesteps, (t) => ac[t] as number);
    const alphasPrev = Float64Array.from(timesteps, (t) => {
      const prev = t - Math.floor(T / N);
      return prev >= 0 ? (ac[prev] as number) : final;
    });
    return new DdimScheduler(timesteps, alphas, alphasPrev, options.clipSample);
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(eps: Float32Array, stepIndex: number, sample: Float32Array): Float32Array {
    const a = this.alphas[stepIndex] as number;
    const ap = this.alphasPrev[stepIndex] as number;
    const sa = Math.sqrt(a);
    const sb = Math.sqrt(1 - a);
    const sap = Math.sqrt(ap);
    const sbp = Math.sqrt(1 - ap);
    const clip = this.clipSample;
    return mapSamples(sample.length, (j) => {
      const e = eps[j] as number;
      const x0 = Math.min(clip, Math.max(-clip, ((sample[j] as number) - sb * e) / sa));
      return sap * x0 + sbp * e;
    });
  }

  addNoise(clean: Float32Array, noise: Float32Array, stepIndex: number): Float32Array {
    const a = this.alphas[stepIndex] as number;
    const sa = Math.sqrt(a);
    const sb = Math.sqrt(1 - a);
    return mapSamples(clean.length, (j) => sa * (clean[j] as number) + sb * (noise[j] as number));
  }

  tail(startIndex: number): DdimScheduler {
    return new DdimScheduler(
      this.timesteps.slice(startIndex),
      this.alphas.slice(startIndex),
      this.alphasPrev.slice(startIndex),
      this.clipSample,
    );
  }
}
