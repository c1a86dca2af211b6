import type { RunControl } from '../diffusion/denoiseLoop';
import { InferenceError, InferenceErrorCode } from '../errors';
import * as ort from '../runtime/ort';
import { type DdpmScheduler, type DdpmVarianceType, learnsVariance } from './ddpmScheduler';
import type { ImageEmbeddings } from './kandinskyTypes';

/**
 * The decoder's sampling loop. The UNet (inputs `sample`, `timestep` int64 [1], `image_embeds`)
 * predicts noise and variance: 2C channels for C latent ones. With guidance g > 1 one batch runs
 * [negative embedding; image embedding]; the noise is u + g · (c - u) over the first C channels,
 * the variance the conditional row's last C channels. Without guidance the image embedding alone
 * runs. The scheduler then steps with the noise (and the variance when it learns it).
 */
export async function decoderLoop(options: {
  unet: ort.InferenceSession;
  scheduler: DdpmScheduler;
  variance: DdpmVarianceType;
  latents: Float32Array;
  dims: readonly number[];
  embeds: ImageEmbeddings;
  guidance: number;
  stepNoise: (step: number) => Float32Array;
  control?: RunControl;
  onStep: (timestep: number, ms: number) => void;
}): Promise<Float32Array> {
  const { unet, scheduler, dims, guidance, embeds } = options;
  const guided = guidance > 1;
  const batch = guided ? 2 : 1;
  const D = embeds.imageEmbeds.length;
  const conditioning = new Float32Array(batch * D);
  if (guided) {
    conditioning.set(embeds.negativeImageEmbeds);
    conditioning.set(embeds.imageEmbeds, D);
  } else conditioning.set(embeds.imageEmbeds);
  const imageEmbeds = new ort.Tensor('float32', conditioning, [batch, D]);
  const [, c, h, w] = dims as [number, number, number, number];
  const n = c * h * w;
  const learned = learnsVariance(options.variance);
  let latents = options.latents;
  const total = scheduler.timesteps.length;
  for (let i = 0; i < total; i++) {
    if (options.control?.signal?.aborted) {
      throw new InferenceError(
        InferenceErrorCode.Cancelled,
        `cancelled before decoder step ${i + 1} of ${total}`,
      );
    }
    const started = performance.now();
    const t = scheduler.timesteps[i] as number;
    const sample = new Float32Array(batch * n);
    for (let b = 0; b < batch; b++) sample.set(latents, b * n);
    const out = await unet.run({
      sample: new ort.Tensor('float32', sample, [batch, c, h, w]),
      timestep: new ort.Tensor('int64', BigInt64Array.of(BigInt(Math.round(t))), [1]),
      image_embeds: imageEmbeds,
    });
    const result = out.out_sample ?? out[unet.outputNames[0] ?? ''];
    if (!result) throw unsupported('the UNet returned no output');
    const pred = result.data as Float32Array;
    const perRow = pred.length / batch;
    if (perRow !== n && perRow !== 2 * n) {
      throw unsupported(`the UNet gave ${perRow} values per row for latents of ${n}`);
    }
    if (learned && perRow !== 2 * n) {
      throw unsupported(`a ${options.variance} scheduler needs the UNet's predicted variance`);
    }
    const model = new Float32Array(learned ? 2 * n : n);
    const cond = guided ? perRow : 0;
    for (let j = 0; j < n; j++) {
      const u = pred[j] as number;
      model[j] = guided ? u + guidance * ((pred[cond + j] as number) - u) : u;
    }
    if (learned) model.set(pred.subarray(cond + n, cond + 2 * n), n);
    latents = scheduler.step(model, i, latents, () => options.stepNoise(i));
    options.onStep(t, performance.now() - started);
  }
  return latents;
}

function unsupported(message: string): InferenceError {
  return new InferenceError(InferenceErrorCode.ModelShapeUnsupported, message);
}
