import type { ZodType } from 'zod';
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
import { adapterFeedsOf, LoraInputs } from '../diffusion/loraInputs';
import { decodeLatents, encodePixels } from '../diffusion/vaeCodec';
import { InferenceError, InferenceErrorCode } from '../errors';
import { decodeImage } from '../image/decodeImage';
import { encodeImage, resizeImage } from '../image/encodeImage';
import type { RgbImage } from '../image/rgbImage';
import type { AdapterFeeds, LoraInput } from '../llm/decoderModel';
import { type Logger, moduleLogger } from '../log';
import { deriveSeed } from '../random/deriveSeed';
import { createRng } from '../random/xoshiro128';
import * as ort from '../runtime/ort';
import {
  eulerStep,
  type FlowMatchSchedule,
  flowMatchSchedule,
  imageToImageStart,
  noiseTo,
  transformerTimestep,
} from './flowMatchSchedule';
import { encodeFluxPrompt, type FluxTextConditioning } from './fluxText';
import type { FluxModelSettings, FluxPipelineOptions, FluxSessions } from './fluxTypes';
import {
  imagePositionIds,
  type LatentGrid,
  packLatents,
  textPositionIds,
  unpackLatents,
} from './packedLatents';

const f = Math.fround;

/**
 * Flux-class (diffusion transformer, flow matching) generation over ONNX sessions.
 *
 * Guidance: Flux runs no classifier-free guidance batch. A model with a guidance embedding
 * (`guidance_embeds`, dev-like) takes cfg_scale as its `guidance` input (any value the schema
 * allows). A model without one (schnell-like) has nothing to feed it to: a task that asks for
 * guidance, an explicitly given cfg_scale above 1, is refused with BadRequest (`cfg_scale: …`);
 * an absent cfg_scale (the schema's default) or 0 / 1 run unguided. negative_prompt is unused by
 * both kinds (as in the reference pipeline without true CFG) and logged when non-empty.
 *
 * LoRA: a transformer exported with `lora.<target>.A/B` inputs (export_flux.py names the targets
 * `transformer.<module path>`, the keys of a diffusers Flux LoRA file) takes a task's `lora`
 * adapter from `options.adapters`; the inputs get rank-1 zeros without one, and for the targets an
 * adapter does not name. The adapter is looked up before any model runs, so an unknown id (or one
 * asked of a pipeline without adapters) fails with UnknownAdapter at once.
 *
 * Every random number comes from the task seed: the initial noise from
 * deriveSeed(seed, 'latents'); sampling is deterministic Euler, so a re-run is bit-identical
 * on the same execution provider.
 */
export class FluxPipeline {
  private readonly maxInputPixels: number;
  private readonly log: Logger;
  private readonly lora: LoraInputs;

  constructor(
    private readonly sessions: FluxSessions,
    readonly settings: FluxModelSettings,
    private readonly options: FluxPipelineOptions = {},
  ) {
    this.maxInputPixels = options.maxInputPixels ?? INPUT_IMAGE_MAX_PIXELS;
    this.log = moduleLogger('flux', options.logger);
    this.lora = new LoraInputs(sessions.transformer);
    const takesGuidance = sessions.transformer.inputNames.includes('guidance');
    if (takesGuidance !== settings.guidanceEmbeds) {
      throw new InferenceError(
        InferenceErrorCode.BadExport,
        `transformer/config.json says guidance_embeds ${settings.guidanceEmbeds}, but the transformer ${takesGuidance ? 'has' : 'lacks'} a guidance input`,
      );
    }
  }

  /**
   * The transformer's LoRA inputs (targets `transformer.<module path>`): what an AdapterStore for
   * this pipeline is built over. Empty for an export without them.
   */
  get loraInputs(): readonly LoraInput[] {
    return this.lora.inputs;
  }

  async textToImage(input: TextToImageParamsInput, control?: RunControl): Promise<DiffusionResult> {
    const p = this.parse(textToImageParamsSchema, input);
    const grid = this.grid(p);
    const adapter = await this.adapter(p.lora);
    const schedule = this.schedule(p.steps, grid);
    const noise = this.initialNoise(p, grid);
    return this.run(p, packLatents(noise, grid), schedule, 0, grid, adapter, control);
  }

  /**
   * Starts from the input image: with N steps and strength s, the schedule's last
   * N − ⌊N − min(N·s, N)⌋ steps run (s = 0.6 of 5 steps runs 3), from the image's latents mixed
   * with the noise at the first of them. Any s > 0 runs at least one step (the skipped count is
   * truncated); s = 0 returns the image's VAE round trip; s = 1 starts from pure noise.
   */
  async imageToImage(
    input: ImageToImageParamsInput,
    control?: RunControl,
  ): Promise<DiffusionResult> {
    const p = this.parse(imageToImageParamsSchema, input);
    const grid = this.grid(p);
    const adapter = await this.adapter(p.lora);
    const schedule = this.schedule(p.steps, grid);
    const start = imageToImageStart(p.steps, p.image_strength);
    const noise = this.initialNoise(p, grid);
    const decoded = await decodeImage(p.init_image, { maxPixels: this.maxInputPixels });
    const image = await resizeImage(decoded, { width: p.width, height: p.height });
    const clean = await this.encode(image);
    if (start >= p.steps) return this.finish(clean, grid, []);
    const latents = noiseTo(clean, noise, schedule.sigmas[start] as number);
    return this.run(p, packLatents(latents, grid), schedule, start, grid, adapter, control);
  }

  /** Both text encoders on one prompt (exposed for parity checks). */
  encodePrompt(prompt: string): Promise<FluxTextConditioning> {
    const s = this.sessions;
    return encodeFluxPrompt({
      prompt,
      clipTokenizer: s.clipTokenizer,
      clipEncoder: s.clipEncoder,
      t5Tokenizer: s.t5Tokenizer,
      t5Encoder: s.t5Encoder,
    });
  }

  /** The N-step schedule for an image of width × height pixels (dynamic shift by its size). */
  schedule(steps: number, size: LatentGrid | { width: number; height: number }): FlowMatchSchedule {
    const grid = 'channels' in size ? size : this.grid(size);
    return flowMatchSchedule(this.settings.scheduler, steps, (grid.height / 2) * (grid.width / 2));
  }

  private parse<T extends TextToImageParams>(schema: ZodType<T>, input: unknown): T {
    const p = parseImageParams(schema, input);
    const given = (input as { cfg_scale?: unknown }).cfg_scale;
    if (!this.settings.guidanceEmbeds && given !== undefined && p.cfg_scale > 1) {
      throw badRequest(
        `cfg_scale: this model has no guidance embedding (a guidance-distilled, schnell-like Flux runs unguided); leave cfg_scale unset or give 0 or 1, got ${p.cfg_scale}`,
      );
    }
    if (p.negative_prompt !== '') {
      this.log.debug({}, 'negative_prompt ignored: Flux runs without classifier-free guidance');
    }
    return p;
  }

  /** The latent grid of a task; width and height must be multiples of 2 × the VAE's scale. */
  private grid(p: { width: number; height: number }): LatentGrid {
    const unit = 2 * this.settings.vaeScaleFactor;
    for (const side of ['width', 'height'] as const) {
      if (p[side] % unit !== 0) {
        throw badRequest(`${side}: must be a multiple of ${unit} for this model, got ${p[side]}`);
      }
    }
    const scale = this.settings.vaeScaleFactor;
    return {
      channels: this.settings.latentChannels,
      height: p.height / scale,
      width: p.width / scale,
    };
  }

  private initialNoise(p: TextToImageParams, grid: LatentGrid): Float32Array {
    const dims = [1, grid.channels, grid.height, grid.width];
    const n = grid.channels * grid.height * grid.width;
    const given = this.options.initialNoise?.({ seed: p.seed, dims });
    if (given && given.length !== n) {
      throw badRequest(
        `initialNoise gave ${given.length} values for latents of shape [${dims.join(', ')}]`,
      );
    }
    return given ?? createRng(deriveSeed(p.seed, 'latents')).fillNormal(new Float32Array(n));
  }

  private async run(
    p: TextToImageParams,
    start: Float32Array,
    schedule: FlowMatchSchedule,
    from: number,
    grid: LatentGrid,
    adapter: AdapterFeeds | undefined,
    control: RunControl | undefined,
  ): Promise<DiffusionResult> {
    const text = await this.encodePrompt(p.prompt);
    const tokens = text.embeds.dims[1] as number;
    const seq = (grid.height / 2) * (grid.width / 2);
    const fixed: Record<string, ort.Tensor> = {
      encoder_hidden_states: text.embeds,
      pooled_projections: text.pooled,
      img_ids: new ort.Tensor('float32', imagePositionIds(grid), [seq, 3]),
      txt_ids: new ort.Tensor('float32', textPositionIds(tokens), [tokens, 3]),
      ...this.lora.feeds(adapter),
    };
    if (this.settings.guidanceEmbeds) {
      fixed.guidance = new ort.Tensor('float32', Float32Array.of(f(p.cfg_scale)), [1]);
    }
    const transformer = this.sessions.transformer;
    const total = p.steps - from;
    const stepTimesMs: number[] = [];
    let latents = start;
    for (let i = from; i < p.steps; i++) {
      if (control?.signal?.aborted) {
        throw new InferenceError(
          InferenceErrorCode.Cancelled,
          `cancelled before step ${i - from + 1} of ${total}`,
        );
      }
      const started = performance.now();
      const timestep = schedule.timesteps[i] as number;
      const out = await transformer.run({
        ...fixed,
        hidden_states: new ort.Tensor('float32', latents, [1, seq, 4 * grid.channels]),
        timestep: new ort.Tensor('float32', Float32Array.of(transformerTimestep(timestep)), [1]),
      });
      const velocity = out.out_hidden_states ?? out[transformer.outputNames[0] ?? ''];
      if (!velocity) {
        throw new InferenceError(
          InferenceErrorCode.ModelShapeUnsupported,
          'the transformer returned no output',
        );
      }
      const sigma = schedule.sigmas[i] as number;
      latents = eulerStep(
        latents,
        velocity.data as Float32Array,
        sigma,
        schedule.sigmas[i + 1] as number,
      );
      const ms = performance.now() - started;
      stepTimesMs.push(ms);
      control?.onStep?.({ step: i - from + 1, steps: total, timestep, ms });
    }
    const result = await this.finish(unpackLatents(latents, grid), grid, stepTimesMs);
    this.log.debug(
      { steps: total, width: p.width, height: p.height, lora: p.lora ?? null },
      'image generated',
    );
    return result;
  }

  /** The feeds of a task's adapter; undefined without one. */
  private adapter(id: string | undefined): Promise<AdapterFeeds | undefined> {
    return adapterFeedsOf(this.options.adapters, id);
  }

  /** VAE latents (scaled and shifted) → pixels: z / scaling + shift through the decoder. */
  private async finish(
    latents: Float32Array,
    grid: LatentGrid,
    stepTimesMs: number[],
  ): Promise<DiffusionResult> {
    const scaling = f(this.settings.vaeScalingFactor);
    const shift = f(this.settings.vaeShiftFactor);
    const z = Float32Array.from(latents, (v) => f(v / scaling) + shift);
    const dims = [1, grid.channels, grid.height, grid.width];
    const image = await decodeLatents(this.sessions.vaeDecoder, z, dims, 1);
    const png = await encodeImage(image, { format: 'png' });
    return { image, png, stepsRun: stepTimesMs.length, stepTimesMs };
  }

  /** Pixels → the VAE posterior mean, then (mean − shift) · scaling. */
  private async encode(image: RgbImage): Promise<Float32Array> {
    const encoder = this.sessions.vaeEncoder;
    if (!encoder) {
      throw new InferenceError(
        InferenceErrorCode.ModelShapeUnsupported,
        'this pipeline has no VAE encoder (vae_encoder/model.onnx): image-to-image needs one',
      );
    }
    const { latents } = await encodePixels(encoder, image, 1);
    const scaling = f(this.settings.vaeScalingFactor);
    const shift = f(this.settings.vaeShiftFactor);
    return Float32Array.from(latents, (v) => f(f(v - shift) * scaling));
  }
}

function badRequest(message: string): InferenceError {
  return new InferenceError(InferenceErrorCode.BadRequest, message);
}
