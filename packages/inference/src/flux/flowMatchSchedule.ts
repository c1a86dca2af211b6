/**
 * The flow-matching Euler schedule of Flux-class models, computed in the float32 arithmetic that
 * the reference implementation uses (each operation rounded to float32), so sigmas, timesteps
 * and latents match it bit for bit where the operations allow.
 *
 * N steps: base sigmas linspace(1, 1/N, N) (in float64, then float32), then shifted either
 * statically, s' = shift·s / (1 + (shift − 1)·s), or dynamically from the image sequence length,
 * s' = e^mu / (e^mu + (1/s − 1)) with mu linear in the sequence length between
 * (baseImageSeqLen, baseShift) and (maxImageSeqLen, maxShift). Timesteps are s'·1000 (what the
 * transformer sees is timestep / 1000); a terminal sigma 0 is appended.
 */

const f = Math.fround;

export interface FlowMatchConfig {
  numTrainTimesteps: number;
  shift: number;
  useDynamicShifting: boolean;
  baseShift: number;
  maxShift: number;
  baseImageSeqLen: number;
  maxImageSeqLen: number;
}

export const FLOW_MATCH_DEFAULTS: FlowMatchConfig = {
  numTrainTimesteps: 1000,
  shift: 1,
  useDynamicShifting: false,
  baseShift: 0.5,
  maxShift: 1.15,
  baseImageSeqLen: 256,
  maxImageSeqLen: 4096,
};

export interface FlowMatchSchedule {
  /** N + 1 sigmas, the last 0 (float32 values). */
  sigmas: number[];
  /** N timesteps, sigma · numTrainTimesteps (float32 values). */
  timesteps: number[];
  /** The dynamic shift's mu, when the config shifts dynamically. */
  mu: number | undefined;
}

/** mu of the dynamic shift for an image of `imageSeqLen` packed tokens (float64, as specified). */
export function dynamicShiftMu(config: FlowMatchConfig, imageSeqLen: number): number {
  const m = (config.maxShift - config.baseShift) / (config.maxImageSeqLen - config.baseImageSeqLen);
  const b = config.baseShift - m * config.baseImageSeqLen;
  return imageSeqLen * m + b;
}

export function flowMatchSchedule(
  config: FlowMatchConfig,
  steps: number,
  imageSeqLen: number,
): FlowMatchSchedule {
  const base: number[] = [];
  const delta = steps > 1 ? (1 / steps - 1) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++)
    base.push(f(i === steps - 1 && steps > 1 ? 1 / steps : i * delta + 1));
  let mu: number | undefined;
  let sigmas: number[];
  if (config.useDynamicShifting) {
    mu = dynamicShiftMu(config, imageSeqLen);
    const e = f(Math.exp(mu));
    sigmas = base.map((s) => f(e / f(e + f(f(1 / s) - 1))));
  } else {
    const shift = f(config.shift);
    const shiftMinusOne = f(config.shift - 1);
    sigmas = base.map((s) => f(f(shift * s) / f(1 + f(shiftMinusOne * s))));
  }
  const timesteps = sigmas.map((s) => f(s * config.numTrainTimesteps));
  return { sigmas: [...sigmas, 0], timesteps, mu };
}

/** The transformer's `timestep` input for a schedule timestep: t / 1000 in float32. */
export function transformerTimestep(timestep: number, numTrainTimesteps = 1000): number {
  return f(timestep / numTrainTimesteps);
}

/** One Euler step of the velocity: x + (sigmaNext − sigma) · v, in float32. */
export function eulerStep(
  latents: Float32Array,
  velocity: Float32Array,
  sigma: number,
  sigmaNext: number,
): Float32Array {
  const dt = f(sigmaNext - sigma);
  const out = new Float32Array(latents.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = (latents[i] as number) + f(dt * (velocity[i] as number));
  }
  return out;
}

/** The forward process at `sigma`: sigma · noise + (1 − sigma) · clean, in float32. */
export function noiseTo(clean: Float32Array, noise: Float32Array, sigma: number): Float32Array {
  const keep = f(1 - sigma);
  const out = new Float32Array(clean.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = f(sigma * (noise[i] as number)) + f(keep * (clean[i] as number));
  }
  return out;
}

/**
 * Image-to-image with N steps and strength s runs the schedule's tail from index
 * ⌊N − min(N·s, N)⌋ (so s = 0.6 of 4 steps runs 3): the number of skipped steps.
 */
export function imageToImageStart(steps: number, strength: number): number {
  return Math.trunc(Math.max(steps - Math.min(steps * strength, steps), 0));
}
