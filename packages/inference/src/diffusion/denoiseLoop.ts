import { InferenceError, InferenceErrorCode } from '../errors';
import type { AdapterFeeds } from '../llm/decoderModel';
import type * as ort from '../runtime/ort';
import type { NoiseSource, Scheduler } from './scheduler';
import type { UnetModel } from './unetModel';

export interface StepProgress {
  /** 1-based step just finished. */
  step: number;
  steps: number;
  timestep: number;
  /** Wall time of this step (UNet passes + sampler update). */
  ms: number;
}

/** Per-run controls: progress after each step, cancellation before each step. */
export interface RunControl {
  signal?: AbortSignal;
  onStep?: (progress: StepProgress) => void;
}

export interface DenoiseOptions {
  unet: UnetModel;
  scheduler: Scheduler;
  latents: Float32Array;
  dims: readonly number[];
  /** [uncond; cond] text states when guiding (batch 2), else cond only (batch 1). */
  context: ort.Tensor;
  guidance: number;
  extra?: Readonly<Record<string, ort.Tensor>>;
  adapter?: AdapterFeeds;
  noise: NoiseSource;
  control?: RunControl;
  /** ControlNet residuals for a step (batch-sized), when a control image is given. */
  residuals?: (
    sample: Float32Array,
    timestep: number,
    context: ort.Tensor,
  ) => Promise<ReadonlyMap<string, ort.Tensor>>;
  /** Extra channels appended to the model input (an inpainting UNet's mask + masked image). */
  extraChannels?: Float32Array;
  /** Applied to the latents after each step (inpainting puts the known region back). */
  afterStep?: (latents: Float32Array, stepIndex: number) => Float32Array;
}

/**
 * The sampling loop: for each timestep, the UNet predicts the noise for the unconditional and
 * conditional text states in one batch; with guidance g > 1, eps = u + g · (c - u), else the
 * conditional pass alone runs (batch 1). Returns the final latents and each step's time.
 */
export async function denoise(
  options: DenoiseOptions,
): Promise<{ latents: Float32Array; stepTimesMs: number[] }> {
  const { unet, scheduler, dims, guidance, control } = options;
  const guided = guidance > 1;
  const batch = guided ? 2 : 1;
  let latents = options.latents;
  const stepTimesMs: number[] = [];
  const total = scheduler.timesteps.length;
  for (let i = 0; i < total; i++) {
    if (control?.signal?.aborted) {
      throw new InferenceError(
        InferenceErrorCode.Cancelled,
        `cancelled before step ${i + 1} of ${total}`,
      );
    }
    const started = performance.now();
    const timestep = scheduler.timesteps[i] as number;
    const scaled = scheduler.scaleModelInput(latents, i);
    const input = options.extraChannels ? concat(scaled, options.extraChannels) : scaled;
    const residuals = options.residuals
      ? await options.residuals(scaled, timestep, options.context)
      : undefined;
    const out = await unet.predict({
      sample: input,
      dims,
      batch,
      timestep,
      context: options.context,
      ...(options.extra ? { extra: options.extra } : {}),
      ...(options.adapter ? { adapter: options.adapter } : {}),
      ...(residuals ? { residuals } : {}),
    });
    const n = latents.length;
    let eps: Float32Array;
    if (guided) {
      eps = new Float32Array(n);
      for (let j = 0; j < n; j++) {
        const u = out[j] as number;
        eps[j] = u + guidance * ((out[n + j] as number) - u);
      }
    } else {
      eps = out.length === n ? out : out.subarray(0, n);
    }
    latents = scheduler.step(eps, i, latents, options.noise);
    if (options.afterStep) latents = options.afterStep(latents, i);
    const ms = performance.now() - started;
    stepTimesMs.push(ms);
    control?.onStep?.({ step: i + 1, steps: total, timestep, ms });
  }
  return { latents, stepTimesMs };
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
