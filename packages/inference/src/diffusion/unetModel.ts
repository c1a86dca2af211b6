import { InferenceError, InferenceErrorCode } from '../errors';
import type { AdapterFeeds } from '../llm/decoderModel';
import * as ort from '../runtime/ort';
import type { UnetResidualLayout } from './diffusionExport';
import { LoraInputs } from './loraInputs';

const RESIDUAL = /^(down_block_additional_residual_\d+|mid_block_additional_residual)$/;

/**
 * A UNet session and what its inputs say about it: `sample` [batch, channels, h, w], `timestep`
 * (float32 or int64; [batch], [1] or a scalar), `encoder_hidden_states`; optional SDXL
 * `text_embeds` / `time_ids`, LoRA inputs `lora.<target>.A/B` (zeros when no adapter is active,
 * as the LLM decoder does) and ControlNet residual inputs (zeros when no control is given).
 */
export class UnetModel {
  readonly lora: LoraInputs;
  readonly residualInputs: readonly { name: string; dims: readonly (number | string)[] }[];
  /** Channels of the latents (the output); 4 for SD/SDXL. */
  readonly latentChannels: number;
  /** Channels of `sample`: the latents, or 9 for inpainting UNets (+ mask + masked image latents). */
  readonly inputChannels: number;
  private readonly timestepType: 'float32' | 'int64';
  private readonly timestepRank: 'batch' | 'one' | 'scalar';

  /**
   * `layout`: the UNet's residual layout (from its config.json) that sizes the zeros fed when
   * no ControlNet runs; without it every residual is taken at the latent's size.
   */
  constructor(
    readonly session: ort.InferenceSession,
    private readonly layout?: UnetResidualLayout,
  ) {
    const meta = new Map(session.inputMetadata.map((m) => [m.name, m]));
    for (const need of ['sample', 'timestep', 'encoder_hidden_states']) {
      if (!meta.has(need)) throw unsupported(`the UNet has no input named ${need}`);
    }
    const sample = meta.get('sample');
    const channels = sample?.isTensor ? sample.shape[1] : undefined;
    if (typeof channels !== 'number')
      throw unsupported('UNet sample input needs a fixed channel count');
    this.inputChannels = channels;
    const output = session.outputMetadata[0];
    const outChannels = output?.isTensor ? output.shape[1] : undefined;
    this.latentChannels = typeof outChannels === 'number' ? outChannels : Math.min(channels, 4);
    const t = meta.get('timestep');
    this.timestepType = t?.isTensor && t.type === 'int64' ? 'int64' : 'float32';
    const tShape = t?.isTensor ? t.shape : [];
    this.timestepRank = tShape.length === 0 ? 'scalar' : tShape[0] === 1 ? 'one' : 'batch';
    const residuals: { name: string; dims: readonly (number | string)[] }[] = [];
    for (const m of session.inputMetadata) {
      if (RESIDUAL.test(m.name) && m.isTensor) residuals.push({ name: m.name, dims: m.shape });
    }
    this.lora = new LoraInputs(session);
    this.residualInputs = residuals;
    const down = residuals.filter((r) => r.name.startsWith('down_')).length;
    if (this.layout && down > 0 && down !== this.layout.down.length) {
      throw unsupported(
        `the UNet has ${down} down-block residual inputs but its config.json's blocks give ${this.layout.down.length}`,
      );
    }
  }

  /** Times the latent is halved at a residual input (0 without a layout). */
  private halvings(name: string): number {
    if (!this.layout) return 0;
    if (name === 'mid_block_additional_residual') return this.layout.mid;
    return this.layout.down[Number(name.slice('down_block_additional_residual_'.length))] ?? 0;
  }

  /**
   * Noise prediction for `batch` copies of `sample` (one per text condition) at `timestep`.
   * `residuals` maps residual input names to [batch, C, h, w] data; missing ones are zeros.
   */
  async predict(options: {
    sample: Float32Array;
    dims: readonly number[];
    batch: number;
    timestep: number;
    context: ort.Tensor;
    extra?: Readonly<Record<string, ort.Tensor>>;
    adapter?: AdapterFeeds;
    residuals?: ReadonlyMap<string, ort.Tensor>;
  }): Promise<Float32Array> {
    const { batch, sample } = options;
    const [, , h, w] = options.dims as [number, number, number, number];
    const c = sample.length / (h * w);
    const batched = new Float32Array(sample.length * batch);
    for (let b = 0; b < batch; b++) batched.set(sample, b * sample.length);
    const n = this.timestepRank === 'batch' ? batch : 1;
    const dims = this.timestepRank === 'scalar' ? [] : [n];
    const timestep =
      this.timestepType === 'int64'
        ? new ort.Tensor(
            'int64',
            new BigInt64Array(n).fill(BigInt(Math.round(options.timestep))),
            dims,
          )
        : new ort.Tensor('float32', new Float32Array(n).fill(options.timestep), dims);
    const feeds: Record<string, ort.Tensor> = {
      sample: new ort.Tensor('float32', batched, [batch, c, h, w]),
      timestep,
      encoder_hidden_states: options.context,
      ...options.extra,
    };
    Object.assign(feeds, this.lora.feeds(options.adapter));
    for (const r of this.residualInputs) {
      const given = options.residuals?.get(r.name);
      if (given) {
        feeds[r.name] = given;
        continue;
      }
      const channels = r.dims[1];
      if (typeof channels !== 'number') throw unsupported(`${r.name} needs a fixed channel count`);
      // Each downsampler (a stride-2 convolution, padding 1) rounds up.
      let rh = h;
      let rw = w;
      for (let k = this.halvings(r.name); k > 0; k--) {
        rh = Math.ceil(rh / 2);
        rw = Math.ceil(rw / 2);
      }
      feeds[r.name] = new ort.Tensor('float32', new Float32Array(batch * channels * rh * rw), [
        batch,
        channels,
        rh,
        rw,
      ]);
    }
    const out = await this.session.run(feeds);
    const result = out.out_sample ?? out[this.session.outputNames[0] ?? ''];
    if (!result) throw unsupported('the UNet returned no output');
    return result.data as Float32Array;
  }
}

function unsupported(message: string): InferenceError {
  return new InferenceError(InferenceErrorCode.ModelShapeUnsupported, message);
}
