import { attr, OnnxGraph } from '../../testing/onnxGraph';
import { randomWeight } from './weights';

/**
 * A ControlNet-shaped model for the tiny UNet: `sample` [batch, 4, h, w], `timestep` float32
 * [batch], `encoder_hidden_states`, `controlnet_cond` [batch, 3, 8h, 8w] → `down_block_res_sample_0`
 * and `mid_block_res_sample` [batch, channels, h, w]. The condition is packed to the latent grid
 * (SpaceToDepth 8) and mixed with the sample by 1×1 convolutions.
 */
export function buildTinyControlNet(seed = 41, channels = 16, textHidden = 32): Uint8Array {
  const g = new OnnxGraph('tiny_controlnet');
  const w = (name: string, dims: number[], scale: number) =>
    randomWeight(g, seed, name, dims, scale);
  const sample = g.input('sample', 'float32', ['batch', 4, 'height', 'width']);
  g.input('timestep', 'float32', ['batch']);
  g.input('encoder_hidden_states', 'float32', ['batch', 'sequence', textHidden]);
  const cond = g.input('controlnet_cond', 'float32', ['batch', 3, 'image_height', 'image_width']);
  const conv1 = (x: string, name: string, cin: number, scale: number) =>
    g.op(
      'Conv',
      [x, w(`${name}.weight`, [channels, cin, 1, 1], scale), w(`${name}.bias`, [channels], 0.01)],
      {
        kernel_shape: attr.ints([1, 1]),
      },
    );
  const packed = g.op('SpaceToDepth', [cond], { blocksize: attr.int(8) });
  const h = g.op('Tanh', [
    g.op('Add', [conv1(packed, 'cond_embedding', 192, 0.2), conv1(sample, 'sample_in', 4, 0.2)]),
  ]);
  g.output(
    g.op('Identity', [conv1(h, 'down_0', channels, 0.5)], {}, 'down_block_res_sample_0'),
    'float32',
    ['batch', channels, 'height', 'width'],
  );
  g.output(
    g.op('Identity', [conv1(h, 'mid', channels, 0.5)], {}, 'mid_block_res_sample'),
    'float32',
    ['batch', channels, 'height', 'width'],
  );
  return g.toBytes(17);
}
