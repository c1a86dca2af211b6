import { mapSamples, type NoiseSource, type Scheduler } from './scheduler';

/**
 * LCM (latent consistency) multistep sampling.
 *
 * Timesteps: with k = ⌊T / S⌋ (S = original steps, 50), the distillation grid is
 * k·j - 1 for j = 1 … S; reversed, it is sampled at indices ⌊m · S / N⌋ for m = 0 … N-1.
 * Step i at timestep t, next timestep t' (the following one; none on the last step):
 * a = alphā_t; x0 = (x - √(1 - a) eps) / √a; with u = 10 t, c_skip = 0.25 / (u² + 0.25),
 * c_out = u / √(u² + 0.25); d = c_out x0 + c_skip x. Not the last step: x' = √a' d + √(1 - a') z
 * (a' = alphā_{t'}, z standard normal from the task's PRNG); the last step: x' = d.
 * Model input is x; initNoiseSigma = 1; addNoise as DDIM.
 */
export class LcmScheduler implements Scheduler {
  readonly kind = 'lcm' as const;
  readonly initNoiseSigma = 1;

  constructor(
    readonly timesteps: Float64Array,
    private readonly alphasCumprod: Float64Array,
  ) {}

  static create(options: {
    alphasCumprod: Float64Array;
    steps: number;
    originalSteps: number;
  }): LcmScheduler {
    const T = options.alphasCumprod.length;
    const S = options.originalSteps;
    const N = options.steps;
    if (N > S) throw new RangeError(`LCM takes at most ${S} steps, got ${N}`);
    const k = Math.floor(T / S);
    const timesteps = new Float64Array(N);
    for (let m = 0; m < N; m++) {
      const index = Math.floor(m * (S / N));
      timesteps[m] = (S - index) * k - 1;
    }
    return new LcmScheduler(timesteps, options.alphasCumprod);
  }

  /** c_skip and c_out of the boundary condition at timestep t. */
  static boundaryScalings(t: number): { cSkip: number; cOut: number } {
    const u = t * 10;
    return { cSkip: 0.25 / (u * u + 0.25), cOut: u / Math.sqrt(u * u + 0.25) };
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(eps: Float32Array, stepIndex: number, sample: Float32Array, rng: NoiseSource): Float32Array {
    const t = this.timesteps[stepIndex] as number;
    const a = this.alphasCumprod[t] as number;
    const sa = Math.sqrt(a);
    const sb = Math.sqrt(1 - a);
    const { cSkip, cOut } = LcmScheduler.boundaryScalings(t);
    const denoised = mapSamples(sample.length, (j) => {
      const x = sample[j] as number;
      return cOut * ((x - sb * (eps[j] as number)) / sa) + cSkip * x;
    });
    if (stepIndex === this.timesteps.length - 1) return denoised;
    const ap = this.alphasCumprod[this.timesteps[stepIndex + 1] as number] as number;
    const noise = rng.fillNormal(new Float64Array(sample.length));
    const sap = Math.sqrt(ap);
    const sbp = Math.sqrt(1 - ap);
    return mapSamples(
      sample.length,
      (j) => sap * (denoised[j] as number) + sbp * (noise[j] as number),
    );
  }

  addNoise(clean: Float32Array, noise: Float32Array, stepIndex: number): Float32Array {
    const a = this.alphasCumprod[this.timesteps[stepIndex] as number] as number;
    const sa = Math.sqrt(a);
    const sb = Math.sqrt(1 - a);
    return mapSamples(clean.length, (j) => sa * (clean[j] as number) + sb * (noise[j] as number));
  }

  tail(startIndex: number): LcmScheduler {
    return new LcmScheduler(this.timesteps.slice(startIndex), this.alphasCumprod);
  }
}
