export const schedulerKinds = ['euler', 'euler_ancestral', 'ddim', 'lcm'] as const;
export type SchedulerKind = (typeof schedulerKinds)[number];

/** Standard normal noise, drawn in order (the task's PRNG: random/xoshiro128). */
export interface NoiseSource {
  fillNormal(out: Float64Array): Float64Array;
}

/**
 * One sampler over a fixed list of timesteps (descending). The pipeline runs, for step i:
 * eps = unet(scaleModelInput(x, i), timesteps[i]); x = step(eps, i, x, rng).
 * All models here predict the noise (epsilon).
 */
export interface Scheduler {
  readonly kind: SchedulerKind;
  /** The timestep fed to the UNet at each step. */
  readonly timesteps: Float64Array;
  /** Initial latents = standard normal noise × this. */
  readonly initNoiseSigma: number;
  /** The UNet input at step i (Euler-type samplers divide by √(σ² + 1)). */
  scaleModelInput(sample: Float32Array, stepIndex: number): Float32Array;
  /** The sample after step i; samplers that add noise draw it from `rng`. */
  step(eps: Float32Array, stepIndex: number, sample: Float32Array, rng: NoiseSource): Float32Array;
  /** A clean sample noised to the level of step i (image-to-image starts from it). */
  addNoise(clean: Float32Array, noise: Float32Array, stepIndex: number): Float32Array;
  /** The same sampler restricted to the steps from `startIndex` on. */
  tail(startIndex: number): Scheduler;
}

export function mapSamples(
  n: number,
  f: (i: number) => number,
  out = new Float32Array(n),
): Float32Array {
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}
