import { attr, OnnxGraph } from '../../testing/onnxGraph';
import { randomWeight } from './weights';

/**
 * VAE halves with the interfaces of SD exports and the real 8× scale:
 * decoder `latent_sample` [batch, 4, h, w] → `sample` [batch, 3, 8h, 8w] in [-1, 1]
 * (conv, SiLU, 1×1 conv to 192 channels, DepthToSpace 8, tanh);
 * encoder `sample` [batch, 3, H, W] → `latent_sample` [batch, 4, H/8, W/8]
 * (SpaceToDepth 8, 1×1 conv; the latent mean, so encoding is deterministic), or with
 * output 'parameters' → `latent_parameters` [batch, 8, H/8, W/8] (the same mean, then a log-variance).
 */
export function buildTinyVaeDecoder(seed = 31, channels = 16): Uint8Array {
  const g = new OnnxGraph('tiny_vae_decoder');
  const w = (name: string, dims: number[], scale: number) =>
    randomWeight(g, seed, name, dims, scale);
  const z = g.input('latent_sample', 'float32', ['batch', 4, 'height', 'width']);
  const h = g.op(
    'Conv',
    [z, w('conv_in.weight', [channels, 4, 3, 3], 0.05), w('conv_in.bias', [channels], 0.05)],
    { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) },
  );
  const act = g.op('Mul', [h, g.op('Sigmoid', [h])]);
  const expanded = g.op(
    'Conv',
    [act, w('conv_out.weight', [192, channels, 1, 1], 0.3), w('conv_out.bias', [192], 0.05)],
    { kernel_shape: attr.ints([1, 1]) },
  );
  const img = g.op(
    'Tanh',
    [g.op('DepthToSpace', [expanded], { blocksize: attr.int(8) })],
    {},
    'sample',
  );
  g.output(img, 'float32', ['batch', 3, 'image_height', 'image_width']);
  return g.toBytes(17);
}

export function buildTinyVaeEncoder(seed = 32, output: 'mean' | 'parameters' = 'mean'): Uint8Array {
  const g = new OnnxGraph('tiny_vae_encoder');
  const x = g.input('sample', 'float32', ['batch', 3, 'image_height', 'image_width']);
  const packed = g.op('SpaceToDepth', [x], { blocksize: attr.int(8) });
  const conv = (name: string, outName?: string) =>
    g.op(
      'Conv',
      [
        packed,
        randomWeight(g, seed, `${name}.weight`, [4, 192, 1, 1], 0.1),
        randomWeight(g, seed, `${name}.bias`, [4], 0.01),
      ],
      { kernel_shape: attr.ints([1, 1]) },
      outName,
    );
  if (output === 'mean') {
    g.output(conv('quant', 'latent_sample'), 'float32', ['batch', 4, 'height', 'width']);
  } else {
    // [mean; log-variance] on 8 channels, as exports of the latent distribution give it.
    const params = g.op(
      'Concat',
      [conv('quant'), conv('logvar')],
      { axis: attr.int(1) },
      'latent_parameters',
    );
    g.output(params, 'float32', ['batch', 8, 'height', 'width']);
  }
  return g.toBytes(17);
}
