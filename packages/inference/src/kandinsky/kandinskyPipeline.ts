import type { RunControl } from '../diffusion/denoiseLoop';
import {
  type ImageToImageParamsInput,
  INPUT_IMAGE_MAX_PIXELS,
  imageToImageParamsSchema,
  parseImageParams,
  type TextToImageParams,
  type TextToImageParamsInput,
  textToImageParamsSchema,
} from '../diffusion/diffusionParams';
import type { DiffusionResult } from '../diffusion/diffusionTypes';
import { decodeLatents, encodePixels } from '../diffusion/vaeCodec';
import { InferenceError, InferenceErrorCode } from '../errors';
import { decodeImage } from '../image/decodeImage';
import { encodeImage, resizeImage } from '../image/encodeImage';
import { type Logger, moduleLogger } from '../log';
import { deriveSeed } from '../random/deriveSeed';
import { createRng } from '../random/xoshiro128';
import { DdpmScheduler } from './ddpmScheduler';
import { decoderLoop } from './decoderLoop';
import type { KandinskyExportSettings } from './kandinskyExport';
import type {
  ImageEmbeddings,
  KandinskyPipelineOptions,
  KandinskySessions,
  KandinskyStage,
} from './kandinskyTypes';
import { badNoise, PriorModel } from './priorModel';

const DEFAULT_PRIOR_STEPS = 25;

/**
 * Kandinsky 2.2 over ONNX sessions: the unCLIP prior turns the prompt into a CLIP image
 * embedding (PriorModel), the decoder UNet denoises MoVQ latents conditioned on it (DDPM with
 * learned variance), MoVQ decodes them to pixels (x · 0.5 + 0.5, clamped). One guidance scale,
 * the task's cfg_scale, drives both stages (diffusers' defaults are 4 and 4), unless
 * `priorGuidanceScale` is set; the prior runs `priorSteps` steps, the decoder the task's steps.
 * Width and height must be multiples of settings.sizeMultiple (64 for kandinsky-2-2-decoder:
 * MoVQ's scale 8, squared). Every random number comes from the task seed: the prior's latents
 * and step noise from deriveSeed(seed, 'prior-latents' / 'prior-steps'), the decoder's from
 * deriveSeed(seed, 'latents' / 'steps'); so a re-run is bit-identical (on one execution provider).
 */
export class KandinskyPipeline {
  readonly prior: PriorModel;
  private readonly maxInputPixels: number;
  private readonly log: Logger;

  constructor(
    private readonly sessions: KandinskySessions,
    readonly settings: KandinskyExportSettings,
    private readonly options: KandinskyPipelineOptions = {},
  ) {
    const priorSteps = options.priorSteps ?? DEFAULT_PRIOR_STEPS;
    if (!Number.isInteger(priorSteps) || priorSteps < 2) {
      throw new InferenceError(
        InferenceErrorCode.BadConfig,
        `priorSteps must be an integer ≥ 2 (the UnCLIP schedule needs two timesteps), got ${priorSteps}`,
      );
    }
    this.prior = new PriorModel({ ...sessions, settings });
    this.maxInputPixels = options.maxInputPixels ?? INPUT_IMAGE_MAX_PIXELS;
    this.log = moduleLogger('kandinsky', options.logger);
  }

  async textToImage(input: TextToImageParamsInput, control?: RunControl): Promise<DiffusionResult> {
    const p = parseImageParams(textToImageParamsSchema, input);
    const dims = this.latentDims(p);
    const scheduler = DdpmScheduler.create(this.settings.decoderScheduler, p.steps);
    const times: number[] = [];
    const embeds = await this.runPrior(p, scheduler.timesteps.length, times, control);
    const noise = this.noise(p.seed, dims, 'decoder');
    const latents = noise.map((v) => v * scheduler.initNoiseSigma);
    return this.decode(p, scheduler, latents, dims, embeds, times, control);
  }

  /**
   * Starts from the input image (stretched to the task's size, as diffusers resizes it):
   * with N steps and strength s, the last k = ⌊N · s⌋ steps of the N-step schedule run, from the
   * image's MoVQ latents noised to the first of them. k = 0 returns the MoVQ round trip.
   */
  async imageToImage(
    input: ImageToImageParamsInput,
    control?: RunControl,
  ): Promise<DiffusionResult> {
    const p = parseImageParams(imageToImageParamsSchema, input);
    const dims = this.latentDims(p);
    const encoder = this.sessions.movqEncoder;
    if (!encoder) {
      throw new InferenceError(
        InferenceErrorCode.ModelShapeUnsupported,
        'this Kandinsky export has no movq_encoder: image-to-image needs it',
      );
    }
    const decoded = await decodeImage(p.init_image, { maxPixels: this.maxInputPixels });
    const image = await resizeImage(decoded, { width: p.width, height: p.height, fit: 'fill' });
    const init = (await encodePixels(encoder, image, 1)).latents;
    const full = DdpmScheduler.create(this.settings.decoderScheduler, p.steps);
    const run = Math.min(Math.floor(p.steps * p.image_strength), p.steps);
    if (run === 0) {
      const out = await decodeLatents(this.sessions.movqDecoder, init, dims, 1);
      return {
        image: out,
        png: await encodeImage(out, { format: 'png' }),
        stepsRun: 0,
        stepTimesMs: [],
      };
    }
    const start = p.steps - run;
    const times: number[] = [];
    const embeds = await this.runPrior(p, run, times, control);
    const latents = full.addNoise(init, this.noise(p.seed, dims, 'decoder'), start);
    return this.decode(p, full.tail(start), latents, dims, embeds, times, control);
  }

  /** The prior's stage alone: the prompt's and the negative image embedding of a task. */
  async imageEmbeddings(
    input: TextToImageParamsInput,
    control?: RunControl,
  ): Promise<ImageEmbeddings> {
    const p = parseImageParams(textToImageParamsSchema, input);
    return this.runPrior(p, 0, [], control);
  }

  private async runPrior(
    p: TextToImageParams,
    decoderSteps: number,
    times: number[],
    control?: RunControl,
  ): Promise<ImageEmbeddings> {
    const steps = this.options.priorSteps ?? DEFAULT_PRIOR_STEPS;
    const total = steps + decoderSteps;
    const rng = createRng(deriveSeed(p.seed, 'prior-steps'));
    return this.prior.run({
      prompt: p.prompt,
      negative: p.negative_prompt,
      guidance: this.options.priorGuidanceScale ?? p.cfg_scale,
      steps,
      initialNoise: (dims) => this.noise(p.seed, dims, 'prior'),
      stepNoise: (step, dims) => this.stepNoise(p.seed, dims, 'prior', step, rng),
      ...(control ? { control } : {}),
      onStep: (timestep, ms) => {
        times.push(ms);
        control?.onStep?.({ step: times.length, steps: total, timestep, ms });
      },
    });
  }

  private async decode(
    p: TextToImageParams,
    scheduler: DdpmScheduler,
    latents: Float32Array,
    dims: number[],
    embeds: ImageEmbeddings,
    times: number[],
    control: RunControl | undefined,
  ): Promise<DiffusionResult> {
    const rng = createRng(deriveSeed(p.seed, 'steps'));
    const priorSteps = times.length;
    const final = await decoderLoop({
      unet: this.sessions.unet,
      scheduler,
      variance: this.settings.decoderScheduler.varianceType,
      latents,
      dims,
      embeds,
      guidance: p.cfg_scale,
      stepNoise: (step) => this.stepNoise(p.seed, dims, 'decoder', step, rng),
      ...(control ? { control } : {}),
      onStep: (timestep, ms) => {
        times.push(ms);
        const total = priorSteps + scheduler.timesteps.length;
        control?.onStep?.({ step: times.length, steps: total, timestep, ms });
      },
    });
    const image = await decodeLatents(this.sessions.movqDecoder, final, dims, 1);
    const png = await encodeImage(image, { format: 'png' });
    this.log.debug(
      { priorSteps, steps: scheduler.timesteps.length, width: p.width, height: p.height },
      'image generated',
    );
    return { image, png, stepsRun: times.length, stepTimesMs: times };
  }

  /** [1, C, h, w] latents for the task's size; width and height must fit the model. */
  private latentDims(p: TextToImageParams): number[] {
    const m = this.settings.sizeMultiple;
    for (const [name, value] of [
      ['width', p.width],
      ['height', p.height],
    ] as const) {
      if (value % m !== 0) {
        throw new InferenceError(
          InferenceErrorCode.BadRequest,
          `${name} ${value} must be a multiple of ${m} for this Kandinsky model (MoVQ scale ${this.settings.movqScaleFactor}, UNet downsamplings ${this.settings.unetDownsamplings})`,
        );
      }
    }
    const f = this.settings.movqScaleFactor;
    return [1, this.settings.latentChannels, p.height / f, p.width / f];
  }

  private noise(seed: number, dims: readonly number[], stage: KandinskyStage): Float32Array {
    const n = dims.reduce((a, b) => a * b, 1);
    const given = this.options.initialNoise?.({ seed, dims, stage });
    if (given && given.length !== n) throw badNoise(given.length, dims);
    const label = stage === 'prior' ? 'prior-latents' : 'latents';
    return given ?? createRng(deriveSeed(seed, label)).fillNormal(new Float32Array(n));
  }

  private stepNoise(
    seed: number,
    dims: readonly number[],
    stage: KandinskyStage,
    step: number,
    rng: ReturnType<typeof createRng>,
  ): Float32Array {
    const n = dims.reduce((a, b) => a * b, 1);
    const given = this.options.stepNoise?.({ seed, dims, stage, step });
    if (given && given.length !== n) throw badNoise(given.length, dims);
    return given ?? rng.fillNormal(new Float32Array(n));
  }
}
