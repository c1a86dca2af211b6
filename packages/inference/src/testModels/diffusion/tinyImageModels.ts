import { attr, OnnxGraph } from '../../testing/onnxGraph';
import { randomWeight } from './weights';

/**
 * Small image models with the interfaces of common ONNX exports:
 * - upscaler: `input` [batch, 3, H, W] in [0, 1] → `output` [batch, 3, 2H, 2W] (two 3×3 convs,
 *   DepthToSpace 2, sigmoid; each output pixel sees input pixels at most 2 away);
 * - CLIP vision tower: `pixel_values` [batch, 3, 32, 32] → `image_embeds` [batch, dims]
 *   (8×8 patch conv, mean over patches, projection);
 * - CLIP text tower: `input_ids` [batch, seq] → `text_embeds` [batch, dims];
 * - NSFW classifier: `pixel_values` [batch, 3, 32, 32] → `logits` [batch, 2] (safe, nsfw).
 */
export const TINY_CLIP_IMAGE_SIZE = 32;

const conv = (
  g: OnnxGraph,
  seed: number,
  x: string,
  name: string,
  dims: number[],
  options: { pads?: number[]; strides?: number[] },
) =>
  g.op(
    'Conv',
    [
      x,
      randomWeight(g, seed, `${name}.weight`, dims, 0.3),
      randomWeight(g, seed, `${name}.bias`, [dims[0] as number], 0.05),
    ],
    {
      kernel_shape: attr.ints(dims.slice(2)),
      ...(options.pads ? { pads: attr.ints(options.pads) } : {}),
      ...(options.strides ? { strides: attr.ints(options.strides) } : {}),
    },
  );

export function buildTinyUpscaler(seed = 51): Uint8Array {
  const g = new OnnxGraph('tiny_upscaler');
  const x = g.input('input', 'float32', ['batch', 3, 'height', 'width']);
  const h = g.op('Relu', [conv(g, seed, x, 'conv1', [8, 3, 3, 3], { pads: [1, 1, 1, 1] })]);
  const y = conv(g, seed, h, 'conv2', [12, 8, 3, 3], { pads: [1, 1, 1, 1] });
  const out = g.op(
    'Sigmoid',
    [g.op('DepthToSpace', [y], { blocksize: attr.int(2) })],
    {},
    'output',
  );
  g.output(out, 'float32', ['batch', 3, 'out_height', 'out_width']);
  return g.toBytes(17);
}

function patchFeatures(g: OnnxGraph, seed: number, channels: number): string {
  const px = g.input('pixel_values', 'float32', [
    'batch',
    3,
    TINY_CLIP_IMAGE_SIZE,
    TINY_CLIP_IMAGE_SIZE,
  ]);
  const patches = g.op('Tanh', [
    conv(g, seed, px, 'patch', [channels, 3, 8, 8], { strides: [8, 8] }),
  ]);
  return g.op('ReduceMean', [patches], { axes: attr.ints([2, 3]), keepdims: attr.int(0) });
}

export function buildTinyClipVision(seed = 61, dims = 16): Uint8Array {
  const g = new OnnxGraph('tiny_clip_vision');
  const pooled = patchFeatures(g, seed, 24);
  const out = g.op(
    'MatMul',
    [pooled, randomWeight(g, seed, 'visual_projection', [24, dims], 0.3)],
    {},
    'image_embeds',
  );
  g.output(out, 'float32', ['batch', dims]);
  return g.toBytes(17);
}

export function buildTinyClipText(seed = 62, dims = 16, vocab = 384, seq = 16): Uint8Array {
  const g = new OnnxGraph('tiny_clip_text');
  const ids = g.input('input_ids', 'int64', ['batch', seq]);
  const emb = g.op('Gather', [randomWeight(g, seed, 'token_embedding', [vocab, 24], 0.5), ids]);
  const pooled = g.op('ReduceMean', [emb], { axes: attr.ints([1]), keepdims: attr.int(0) });
  const out = g.op(
    'MatMul',
    [pooled, randomWeight(g, seed, 'text_projection', [24, dims], 0.3)],
    {},
    'text_embeds',
  );
  g.output(out, 'float32', ['batch', dims]);
  return g.toBytes(17);
}

export function buildTinyNsfwClassifier(seed = 71): Uint8Array {
  const g = new OnnxGraph('tiny_nsfw');
  const pooled = patchFeatures(g, seed, 12);
  const out = g.op(
    'MatMul',
    [pooled, randomWeight(g, seed, 'classifier', [12, 2], 1.0)],
    {},
    'logits',
  );
  g.output(out, 'float32', ['batch', 2]);
  return g.toBytes(17);
}
