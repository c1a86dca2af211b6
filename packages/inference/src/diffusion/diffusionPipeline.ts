import { InferenceError, InferenceErrorCode } from '../errors';
import { decodeImage, readImageHeader } from '../image/decodeImage';
import { encodeImage, resizeImage } from '../image/encodeImage';
import type { RgbImage } from '../image/rgbImage';
import type { AdapterFeeds, LoraInput } from '../llm/decoderModel';
import { type Logger, moduleLogger } from '../log';
import { deriveSeed } from '../random/deriveSeed';
import { createRng } from '../random/xoshiro128';
import type * as ort from '../runtime/ort';
import { controlResiduals } from './controlNet';
import { createScheduler, schedulerConfigSchema } from './createScheduler';
import { denoise, type RunControl } from './denoiseLoop';
import { DEFAULT_VAE_SCALING_FACTOR } from './diffusionExport';
import {
  type ControlNetParamsInput,
  controlNetParamsSchema,
  type ImageToImageParamsInput,
  INPUT_IMAGE_MAX_PIXELS,
  type InpaintParamsInput,
  imageToImageParamsSchema,
  inpaintParamsSchema,
  parseImageParams,
  type TextToImageParams,
  type TextToImageParamsInput,
  textToImageParamsSchema,
  type UncropParamsInput,
  uncropParamsSchema,
} from './diffusionParams';
import type {
  DiffusionPipelineOptions,
  DiffusionResult,
  DiffusionSessions,
} from './diffusionTypes';
import { adapterFeedsOf, LoraInputs } from './loraInputs';
import { maskGrid } from './maskGrid';
import type { Scheduler } from './scheduler';
import { encodeText, type TextConditioning, type TextEncoderPart } from './textConditioning';
import { extendCanvas, pasteOriginal, uncropCanvas, uncropMask } from './uncrop';
import { UnetModel } from './unetModel';
import { decodeLatents, encodePixels } from './vaeCodec';

/**
 * Stable-Diffusion-class generation over ONNX sessions. Every random number comes from the
 * package PRNG seeded by the task seed: initial noise from deriveSeed(seed, 'latents'), sampler
 * noise (ancestral, LCM) from deriveSeed(seed, 'steps'), so a validator re-running a task gets
 * the miner's latents exactly (on the same execution provider).
 */
export class DiffusionPipeline {
  readonly unet: UnetModel;
  private readonly textEncoders: TextEncoderPart[];
  private readonly schedulerConfig;
  private readonly scaling: number;
  private readonly maxInputPixels: number;
  private readonly log: Logger;

  constructor(
    private readonly sessions: DiffusionSessions,
    private readonly options: DiffusionPipelineOptions = {},
  ) {
    this.unet = new UnetModel(sessions.unet, options.unetResiduals);
    const outputs = options.hiddenStateOutputs ?? [];
    const sdxl = sessions.textEncoder2 !== undefined;
    this.textEncoders = [
      {
        session: sessions.textEncoder,
        tokenizer: sessions.tokenizer,
        output: outputs[0] ?? hiddenStateOutput(sessions.textEncoder, sdxl),
        lora: new LoraInputs(sessions.textEncoder),
      },
    ];
    if (sessions.textEncoder2) {
      this.textEncoders.push({
        session: sessions.textEncoder2,
        tokenizer: sessions.tokenizer2 ?? sessions.tokenizer,
        output: outputs[1] ?? hiddenStateOutput(sessions.textEncoder2, sdxl),
        lora: new LoraInputs(sessions.textEncoder2),
      });
    }
    this.schedulerConfig = schedulerConfigSchema.parse(options.scheduler ?? {});
    this.scaling = options.vaeScalingFactor ?? DEFAULT_VAE_SCALING_FACTOR;
    this.maxInputPixels = options.maxInputPixels ?? INPUT_IMAGE_MAX_PIXELS;
    this.log = moduleLogger('diffusion', options.logger);
  }

  async textToImage(input: TextToImageParamsInput, control?: RunControl): Promise<DiffusionResult> {
    const p = parseImageParams(textToImageParamsSchema, input);
    const scheduler = this.scheduler(p.steps);
    const { noise, dims } = this.initialNoise(p);
    const latents = scale(noise, scheduler.initNoiseSigma);
    return this.run(p, scheduler, latents, dims, control);
  }

  /**
   * Starts from the input image: with N steps and strength s, k = ⌊N · s⌋ steps run, the last k of
   * the N-step schedule, from the image's latents noised to the first of them. k = 0 returns the
   * VAE round trip of the image; k = N ignores the image and equals text-to-image.
   */
  async imageToImage(
    input: ImageToImageParamsInput,
    control?: RunControl,
  ): Promise<DiffusionResult> {
    const p = parseImageParams(imageToImageParamsSchema, input);
    const full = this.scheduler(p.steps);
    const run = Math.min(Math.floor(p.steps * p.image_strength), p.steps);
    const start = p.steps - run;
    const { noise, dims } = this.initialNoise(p);
    // Decoded (and so checked) even when the strength leaves it unused.
    const image = await this.inputImage(p.init_image, p);
    if (start === 0) return this.run(p, full, scale(noise, full.initNoiseSigma), dims, control);
    const init = (await encodePixels(this.vaeEncoder(), image, this.scaling)).latents;
    if (run === 0) {
      const decoded = await decodeLatents(this.sessions.vaeDecoder, init, dims, this.scaling);
      return {
        image: decoded,
        png: await encodeImage(decoded, { format: 'png' }),
        stepsRun: 0,
        stepTimesMs: [],
      };
    }
    const latents = full.addNoise(init, noise, start);
    return this.run(p, full.tail(start), latents, dims, control);
  }

  /** Repaints the white part of the mask (resized to the task's size; see `repaint`). */
  async inpaint(input: InpaintParamsInput, control?: RunControl): Promise<DiffusionResult> {
    const p = parseImageParams(inpaintParamsSchema, input);
    const image = await this.inputImage(p.init_image, p);
    const maskImage = await decodeImage(p.mask_image, { maxPixels: this.maxInputPixels });
    const masks = {
      latent: await maskGrid(maskImage, p.width / 8, p.height / 8),
      pixel: await maskGrid(maskImage, p.width, p.height),
    };
    return this.repaint(p, image, masks, control);
  }

  /**
   * Extends the image onto a larger canvas (see uncrop.ts) and paints the new area: the canvas is
   * filled from the image's edges, the new area masked on whole latent cells, the inpainting path
   * run, and the original pixels put back exactly as they came.
   */
  async uncrop(input: UncropParamsInput, control?: RunControl): Promise<DiffusionResult> {
    const u = parseImageParams(uncropParamsSchema, input);
    const header = await readImageHeader(u.image);
    const canvas = uncropCanvas(header, u);
    const image = await decodeImage(u.image, { maxPixels: this.maxInputPixels });
    const p: TextToImageParams = {
      prompt: u.prompt,
      negative_prompt: u.negative_prompt,
      steps: u.steps,
      cfg_scale: u.cfg_scale,
      width: canvas.width,
      height: canvas.height,
      seed: u.seed,
      ...(u.lora !== undefined ? { lora: u.lora } : {}),
    };
    const masks = {
      latent: uncropMask(canvas, image, 8),
      pixel: uncropMask(canvas, image, 1),
    };
    return this.repaint(p, extendCanvas(image, canvas), masks, control, (painted) =>
      pasteOriginal(painted, image, canvas),
    );
  }

  /**
   * Repaints the cells marked 1 in `masks` (`latent` on the latent grid, `pixel` at the image's
   * size). With an inpainting UNet (sample channels = latents + 5), the UNet sees the latent mask
   * and the latents of the image with the masked pixels blanked, appended to its input. With a
   * plain UNet, the latents outside the mask are replaced after every step by the image's latents
   * noised to that step's level (the clean latents after the last step).
   */
  private async repaint(
    p: TextToImageParams,
    image: RgbImage,
    masks: { latent: Uint8Array; pixel: Uint8Array },
    control: RunControl | undefined,
    finish?: (decoded: RgbImage) => RgbImage,
  ): Promise<DiffusionResult> {
    const scheduler = this.scheduler(p.steps);
    const { noise, dims } = this.initialNoise(p);
    const [, , h, w] = dims as [number, number, number, number];
    const mask = masks.latent;
    const start = scale(noise, scheduler.initNoiseSigma);
    const encoder = this.vaeEncoder();
    if (this.unet.inputChannels === this.unet.latentChannels + 5) {
      const masked = await encodePixels(encoder, image, this.scaling, masks.pixel);
      const extraChannels = new Float32Array((1 + masked.latents.length / (h * w)) * h * w);
      extraChannels.set(mask);
      extraChannels.set(masked.latents, h * w);
      return this.run(p, scheduler, start, dims, control, { extraChannels }, finish);
    }
    const init = (await encodePixels(encoder, image, this.scaling)).latents;
    const total = scheduler.timesteps.length;
    const afterStep = (latents: Float32Array, i: number) => {
      const known = i + 1 < total ? scheduler.addNoise(init, noise, i + 1) : init;
      return Float32Array.from(latents, (v, j) =>
        (mask[j % mask.length] as number) > 0 ? v : (known[j] as number),
      );
    };
    return this.run(p, scheduler, start, dims, control, { afterStep }, finish);
  }

  /** Text-to-image guided by a control image (a scribble) through the ControlNet session. */
  async controlNet(input: ControlNetParamsInput, control?: RunControl): Promise<DiffusionResult> {
    const p = parseImageParams(controlNetParamsSchema, input);
    const net = this.sessions.controlNet;
    if (!net) throw missing('a ControlNet model');
    const scheduler = this.scheduler(p.steps);
    const { noise, dims } = this.initialNoise(p);
    const cond = await this.inputImage(p.control_image, p);
    const residuals = controlResiduals({
      session: net,
      condition: cond,
      scale: p.conditioning_scale,
      batch: p.cfg_scale > 1 ? 2 : 1,
      dims,
    });
    return this.run(p, scheduler, scale(noise, scheduler.initNoiseSigma), dims, control, {
      residuals,
    });
  }

  /** Text conditioning for the UNet: [negative; prompt] when guiding, else the prompt alone. */
  async encodePrompt(
    prompt: string,
    negative: string,
    guided: boolean,
    size: { width: number; height: number } = { width: 1024, height: 1024 },
    adapter?: AdapterFeeds,
  ): Promise<TextConditioning> {
    return encodeText({
      encoders: this.textEncoders,
      prompt,
      negative,
      guided,
      unetInputs: this.sessions.unet.inputNames,
      size,
      zeroNegative: this.options.forceZerosForEmptyPrompt === true && negative === '',
      ...(adapter ? { adapter } : {}),
    });
  }

  /**
   * Every LoRA input of the model (UNet and text encoders): what an AdapterStore for this
   * pipeline is built over. One adapter file may target both.
   */
  get loraInputs(): readonly LoraInput[] {
    return [...this.unet.lora.inputs, ...this.textEncoders.flatMap((e) => e.lora.inputs)];
  }

  private scheduler(steps: number): Scheduler {
    return createScheduler(this.schedulerConfig, steps);
  }

  private initialNoise(p: TextToImageParams): { noise: Float32Array; dims: number[] } {
    const dims = [1, this.unet.latentChannels, p.height / 8, p.width / 8];
    const n = dims.reduce((a, b) => a * b, 1);
    const given = this.options.initialNoise?.({ seed: p.seed, dims });
    if (given && given.length !== n) {
      throw new InferenceError(
        InferenceErrorCode.BadRequest,
        `initialNoise gave ${given.length} values for latents of shape [${dims.join(', ')}]`,
      );
    }
    const noise = given ?? createRng(deriveSeed(p.seed, 'latents')).fillNormal(new Float32Array(n));
    return { noise, dims };
  }

  private vaeEncoder(): ort.InferenceSession {
    const encoder = this.sessions.vaeEncoder;
    if (!encoder) throw missing('a VAE encoder');
    return encoder;
  }

  /** An input image decoded under the pixel limit and brought to the task's size. */
  private async inputImage(bytes: Uint8Array, p: TextToImageParams): Promise<RgbImage> {
    const decoded = await decodeImage(bytes, { maxPixels: this.maxInputPixels });
    return resizeImage(decoded, { width: p.width, height: p.height });
  }

  private async run(
    p: TextToImageParams,
    scheduler: Scheduler,
    latents: Float32Array,
    dims: number[],
    control: RunControl | undefined,
    hooks: Pick<Parameters<typeof denoise>[0], 'afterStep' | 'residuals' | 'extraChannels'> = {},
    /** A last change to the decoded image before it is encoded (uncrop puts its pixels back). */
    finish: (decoded: RgbImage) => RgbImage = (decoded) => decoded,
  ): Promise<DiffusionResult> {
    const guided = p.cfg_scale > 1;
    const adapter = await this.adapter(p.lora);
    const text = await this.encodePrompt(p.prompt, p.negative_prompt, guided, p, adapter);
    const result = await denoise({
      unet: this.unet,
      scheduler,
      latents,
      dims,
      context: text.context,
      extra: text.extra,
      guidance: p.cfg_scale,
      noise: createRng(deriveSeed(p.seed, 'steps')),
      ...(adapter ? { adapter } : {}),
      ...(control ? { control } : {}),
      ...hooks,
    });
    const image = finish(
      await decodeLatents(this.sessions.vaeDecoder, result.latents, dims, this.scaling),
    );
    const png = await encodeImage(image, { format: 'png' });
    const steps = result.stepTimesMs.length;
    const meanMs = steps ? result.stepTimesMs.reduce((a, b) => a + b, 0) / steps : 0;
    this.log.debug(
      { steps, meanStepMs: meanMs, width: p.width, height: p.height },
      'image generated',
    );
    return { image, png, stepsRun: steps, stepTimesMs: result.stepTimesMs };
  }

  private adapter(id: string | undefined): Promise<AdapterFeeds | undefined> {
    return adapterFeedsOf(this.options.adapters, id);
  }
}

/**
 * SD conditions on the last hidden state; SDXL on the penultimate layer of both encoders
 * (`hidden_states.N-1` of an export with per-layer outputs, else last_hidden_state).
 */
function hiddenStateOutput(session: ort.InferenceSession, penultimate: boolean): string {
  if (!penultimate) return 'last_hidden_state';
  const layers = session.outputNames
    .map((n) => /^hidden_states\.(\d+)$/.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const layer = layers[layers.length - 2];
  return layer === undefined ? 'last_hidden_state' : `hidden_states.${layer}`;
}

function scale(values: Float32Array, k: number): Float32Array {
  return Float32Array.from(values, (v) => v * k);
}

function missing(what: string): InferenceError {
  return new InferenceError(
    InferenceErrorCode.ModelShapeUnsupported,
    `this pipeline has no ${what}`,
  );
}
