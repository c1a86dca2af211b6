import { mapSamples, type NoiseSource, type Scheduler, type SchedulerKind } from './scheduler';

/**
 * Euler and Euler-ancestral samplers over σ_t = √((1 - alphā_t) / alphā_t), taken at each
 * inference timestep by linear interpolation over integer t, then σ = 0 appended.
 *
 * - initNoiseSigma = σ_0 for 'linspace'/'trailing' spacing, √(σ_0² + 1) for 'leading'.
 * - Model input: x / √(σ_i² + 1).
 * - Euler: x' = x + eps · (σ_{i+1} - σ_i).
 * - Ancestral: σ_up = √(σ_{i+1}² (σ_i² - σ_{i+1}²) / σ_i²), σ_down = √(σ_{i+1}² - σ_up²);
 *   x' = x + eps · (σ_down - σ_i) + z · σ_up with z standard normal from the task's PRNG.
 * - addNoise at step i: x0 + noise · σ_i.
 */
export class EulerScheduler implements Scheduler {
  readonly kind: SchedulerKind;

  constructor(
    readonly timesteps: Float64Array,
    /** σ at each timestep, plus a final 0 (length timesteps + 1). */
    readonly sigmas: Float64Array,
    readonly initNoiseSigma: number,
    private readonly ancestral: boolean,
  ) {
    this.kind = ancestral ? 'euler_ancestral' : 'euler';
  }

  static create(options: {
    alphasCumprod: Float64Array;
    timesteps: Float64Array;
    leading: boolean;
    ancestral: boolean;
  }): EulerScheduler {
    const ac = options.alphasCumprod;
    const table = Float64Array.from(ac, (a) => Math.sqrt((1 - a) / a));
    const sigmas = new Float64Array(options.timesteps.length + 1);
    options.timesteps.forEach((t, i) => {
      const lo = Math.min(Math.floor(t), table.length - 1);
      const hi = Math.min(lo + 1, table.length - 1);
      const frac = t - lo;
      sigmas[i] = (table[lo] as number) + frac * ((table[hi] as number) - (table[lo] as number));
    });
    const max = Math.max(...sigmas);
    const init = options.leading ? Math.sqrt(max * max + 1) : max;
    return new EulerScheduler(options.timesteps, sigmas, init, options.ancestral);
  }

  private sigma(i: number): number {
    return this.sigmas[i] as number;
  }

  scaleModelInput(sample: Float32Array, stepIndex: number): Float32Array {
    const s = this.sigma(stepIndex);
    const k = 1 / Math.sqrt(s * s + 1);
    return mapSamples(sample.length, (j) => (sample[j] as number) * k);
  }

  step(eps: Float32Array, stepIndex: number, sample: Float32Array, rng: NoiseSource): Float32Array {
    const from = this.sigma(stepIndex);
    const to = this.sigma(stepIndex + 1);
    if (!this.ancestral) {
      const dt = to - from;
      return mapSamples(sample.length, (j) => (sample[j] as number) + (eps[j] as number) * dt);
    }
    const up = Math.sqrt((to * to * (from * from - to * to)) / (from * from));
    const down = Math.sqrt(to * to - up * up);
    const dt = down - from;
    const noise = rng.fillNormal(new Float64Array(sample.length));
    return mapSamples(
      sample.length,
      (j) => (sample[j] as number) + (eps[j] as number) * dt + (noise[j] as number) * up,
    );
  }

  addNoise(clean: Float32Array, noise: Float32Array, stepIndex: number): Float32Array {
    const s = this.sigma(stepIndex);
    return mapSamples(clean.length, (j) => (clean[j] as number) + (noise[j] as number) * s);
  }

  tail(startIndex: number): EulerScheduler {
    return new EulerScheduler(
      this.timesteps.slice(startIndex),
      this.sigmas.slice(startIndex),
      this.initNoiseSigma,
      this.ancestral,
    );
  }
}
