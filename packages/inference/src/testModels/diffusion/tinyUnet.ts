import { attr, OnnxGraph } from '../../testing/onnxGraph';
import { randomWeight } from './weights';

/**
 * A UNet-shaped noise predictor with the inputs of SD exports: `sample` [batch, 4 (9 for
 * inpainting), h, w],
 * `timestep` float32 [batch], `encoder_hidden_states` [batch, seq, textHidden] → `out_sample`
 * [batch, 4, h, w]. Inside: conv in, sinusoidal timestep embedding, one cross-attention block
 * over the text states, conv out plus the input sample. Optional inputs:
 * - LoRA: `lora.<target>.A` [in, rank] / `lora.<target>.B` [rank, out] on the attention's
 *   to_q, to_k, to_v and to_out projections (targets `unet.attn.to_q`, …);
 * - ControlNet: `down_block_additional_residual_0` (added after conv in) and
 *   `mid_block_additional_residual` (added after attention), both [batch, channels, h, w];
 * - SDXL: `text_embeds` [batch, pooledDim] and `time_ids` [batch, 6], projected and added to the
 *   timestep embedding.
 */
export interface TinyUnetConfig {
  channels: number;
  textHidden: number;
  seed: number;
  lora: boolean;
  controlResiduals: boolean;
  /** SDXL's added conditions: `text_embeds` [batch, this] and `time_ids` [batch, 6]; 0 = none. */
  pooledDim: number;
  /** Channels of `sample`: 4, or 9 for an inpainting UNet (latents, mask, masked image latents). */
  inChannels: number;
}

export const defaultTinyUnetConfig: TinyUnetConfig = {
  channels: 16,
  textHidden: 32,
  seed: 21,
  lora: true,
  controlResiduals: true,
  pooledDim: 0,
  inChannels: 4,
};

export function tinyUnetLoraTargets(
  config: TinyUnetConfig,
): { name: string; inDim: number; outDim: number }[] {
  const C = config.channels;
  return [
    { name: 'unet.attn.to_q', inDim: C, outDim: C },
    { name: 'unet.attn.to_k', inDim: config.textHidden, outDim: C },
    { name: 'unet.attn.to_v', inDim: config.textHidden, outDim: C },
    { name: 'unet.attn.to_out', inDim: C, outDim: C },
  ];
}

export function buildTinyUnet(config: TinyUnetConfig = defaultTinyUnetConfig): Uint8Array {
  const { channels: C, textHidden: E, seed } = config;
  const g = new OnnxGraph('tiny_unet');
  const w = (name: string, dims: number[], scale: number) =>
    randomWeight(g, seed, name, dims, scale);
  const sample = g.input('sample', 'float32', ['batch', config.inChannels, 'height', 'width']);
  const timestep = g.input('timestep', 'float32', ['batch']);
  const context = g.input('encoder_hidden_states', 'float32', ['batch', 'sequence', E]);
  const lora = new Map<string, [string, string]>();
  if (config.lora) {
    for (const [i, t] of tinyUnetLoraTargets(config).entries()) {
      lora.set(t.name, [
        g.input(`lora.${t.name}.A`, 'float32', [t.inDim, `lora_rank_${i}`]),
        g.input(`lora.${t.name}.B`, 'float32', [`lora_rank_${i}`, t.outDim]),
      ]);
    }
  }
  const linear = (x: string, weight: string, target: string) => {
    const base = g.op('MatMul', [x, weight]);
    const ab = lora.get(target);
    return ab ? g.op('Add', [base, g.op('MatMul', [g.op('MatMul', [x, ab[0]]), ab[1]])]) : base;
  };
  const silu = (x: string) => g.op('Mul', [x, g.op('Sigmoid', [x])]);
  const conv = (x: string, name: string, cin: number, cout: number, k: number, scale: number) =>
    g.op(
      'Conv',
      [x, w(`${name}.weight`, [cout, cin, k, k], scale), w(`${name}.bias`, [cout], 0.01)],
      { kernel_shape: attr.ints([k, k]), pads: attr.ints(Array(4).fill((k - 1) / 2)) },
    );

  let x = conv(sample, 'conv_in', config.inChannels, C, 3, 0.2);
  if (config.controlResiduals) {
    x = g.op('Add', [
      x,
      g.input('down_block_additional_residual_0', 'float32', ['batch', C, 'height', 'width']),
    ]);
  }
  // Sinusoidal timestep embedding, then a linear layer: [batch, C] → [batch, C, 1, 1].
  const half = C / 2;
  const freqs = g.floats(
    Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half)),
    [1, half],
  );
  const angles = g.op('Mul', [g.op('Unsqueeze', [timestep, g.ints([1])]), freqs]);
  const temb = silu(
    g.op('MatMul', [
      g.op('Concat', [g.op('Sin', [angles]), g.op('Cos', [angles])], { axis: attr.int(1) }),
      w('time_embedding.weight', [C, C], 0.3),
    ]),
  );
  let cond = temb;
  if (config.pooledDim > 0) {
    const pooled = g.input('text_embeds', 'float32', ['batch', config.pooledDim]);
    const timeIds = g.op('Mul', [
      g.input('time_ids', 'float32', ['batch', 6]),
      g.floats([1e-3], []),
    ]);
    const added = g.op('Concat', [pooled, timeIds], { axis: attr.int(1) });
    cond = g.op('Add', [
      temb,
      g.op('MatMul', [added, w('add_embedding.weight', [config.pooledDim + 6, C], 0.3)]),
    ]);
  }
  x = silu(g.op('Add', [x, g.op('Unsqueeze', [cond, g.ints([2, 3])])]));
  // Cross-attention over the text states, on the flattened pixels [batch, h·w, C].
  const shape = g.op('Shape', [x]);
  const flat = g.op('Transpose', [g.op('Reshape', [x, g.ints([0, C, -1])])], {
    perm: attr.ints([0, 2, 1]),
  });
  const q = linear(flat, w('attn.to_q', [C, C], 0.3), 'unet.attn.to_q');
  const k = linear(context, w('attn.to_k', [E, C], 0.3), 'unet.attn.to_k');
  const v = linear(context, w('attn.to_v', [E, C], 0.3), 'unet.attn.to_v');
  const scores = g.op('Mul', [
    g.op('MatMul', [q, g.op('Transpose', [k], { perm: attr.ints([0, 2, 1]) })]),
    g.floats([1 / Math.sqrt(C)], []),
  ]);
  const attn = linear(
    g.op('MatMul', [g.op('Softmax', [scores], { axis: attr.int(-1) }), v]),
    w('attn.to_out', [C, C], 0.3),
    'unet.attn.to_out',
  );
  x = g.op('Reshape', [
    g.op('Transpose', [g.op('Add', [flat, attn])], { perm: attr.ints([0, 2, 1]) }),
    shape,
  ]);
  if (config.controlResiduals) {
    x = g.op('Add', [
      x,
      g.input('mid_block_additional_residual', 'float32', ['batch', C, 'height', 'width']),
    ]);
  }
  // The input is added back, so the untrained net already predicts roughly the noise it is
  // given (as a trained one does) and the sampler ends near the latent scale of real models.
  const latents =
    config.inChannels === 4
      ? sample
      : g.op('Slice', [sample, g.ints([0]), g.ints([4]), g.ints([1])]);
  const out = g.op('Add', [latents, conv(x, 'conv_out', C, 4, 3, 0.01)], {}, 'out_sample');
  g.output(out, 'float32', ['batch', 4, 'height', 'width']);
  return g.toBytes(17);
}
