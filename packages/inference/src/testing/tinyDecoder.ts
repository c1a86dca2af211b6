import { deriveSeed } from '../random/deriveSeed';
import { createRng } from '../random/xoshiro128';
import { attr, OnnxGraph } from './onnxGraph';

/**
 * Builds a small decoder-only transformer as an ONNX model, with the input/output names of the
 * usual exports (input_ids, attention_mask, position_ids, past_key_values.N.key/value → logits,
 * present.N.key/value) and LoRA inputs `lora.<target>.A` [in, rank] / `lora.<target>.B`
 * [rank, out] on q_proj, v_proj of every layer and on lm_head. Weights are drawn from the
 * package PRNG with a fixed seed, so the same config always gives the same bytes.
 * It also outputs `last_hidden_state` (the normed input of lm_head) so tests can compute
 * a LoRA delta on lm_head by hand.
 */
export interface TinyDecoderConfig {
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  ffn: number;
  maxPositions: number;
  seed: number;
}

export const defaultTinyDecoderConfig: TinyDecoderConfig = {
  vocabSize: 384,
  hidden: 32,
  layers: 2,
  heads: 4,
  ffn: 64,
  maxPositions: 256,
  seed: 1,
};

export function tinyDecoderLoraTargets(
  config: TinyDecoderConfig,
): { name: string; inDim: number; outDim: number }[] {
  const targets: { name: string; inDim: number; outDim: number }[] = [];
  for (let l = 0; l < config.layers; l++) {
    for (const proj of ['q_proj', 'v_proj']) {
      targets.push({
        name: `model.layers.${l}.self_attn.${proj}`,
        inDim: config.hidden,
        outDim: config.hidden,
      });
    }
  }
  targets.push({ name: 'lm_head', inDim: config.hidden, outDim: config.vocabSize });
  return targets;
}

/**
 * `withLoraInputs: false` leaves the LoRA inputs out, like a plain export; the MatMul nodes of the
 * projections carry the node names torch/Optimum exports give (`/model/layers.0/self_attn/q_proj/MatMul`).
 */
export function buildTinyDecoder(
  config: TinyDecoderConfig = defaultTinyDecoderConfig,
  options: {
    withLoraInputs?: boolean;
    ioType?: 'float32' | 'float16';
    /** Adds a `num_logits_to_keep` input; any value but 0 zeroes the logits (so tests see it). */
    numLogitsToKeep?: boolean;
    /** Leaves out position_ids; positions are then counted from the attention mask's length. */
    withoutPositionIds?: boolean;
  } = {},
): Uint8Array {
  const withLora = options.withLoraInputs ?? true;
  const io = options.ioType ?? 'float32';
  // float16 I/O (KV cache, logits, LoRA inputs) like fp16 exports; the math inside stays float32.
  const fromIo = (t: string): string =>
    io === 'float16' ? g.op('Cast', [t], { to: attr.int(1) }) : t;
  const toIo = (t: string, name: string): string =>
    g.op(
      io === 'float16' ? 'Cast' : 'Identity',
      [t],
      io === 'float16' ? { to: attr.int(10) } : {},
      name,
    );
  const { vocabSize: V, hidden: E, layers: L, heads: H, ffn: F, maxPositions: P } = config;
  if (E % H !== 0) throw new RangeError('hidden must be a multiple of heads');
  const D = E / H;
  const g = new OnnxGraph('tiny_decoder');

  const weight = (name: string, dims: number[], scale: number): string => {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = createRng(deriveSeed(config.seed, name)).fillNormal(new Float32Array(n));
    for (let i = 0; i < n; i++) data[i] = (data[i] ?? 0) * scale;
    return g.tensor(name, data, dims);
  };
  const ones = (name: string, n: number): string =>
    g.tensor(name, new Float32Array(n).fill(1), [n]);
  const zeros = (name: string, n: number): string => g.tensor(name, new Float32Array(n), [n]);
  const layerNorm = (x: string, name: string): string =>
    g.op('LayerNormalization', [x, ones(`${name}.weight`, E), zeros(`${name}.bias`, E)], {
      axis: attr.int(-1),
      epsilon: attr.float(1e-5),
    });

  const targets = withLora ? tinyDecoderLoraTargets(config) : [];
  const lora = new Map<string, [string, string]>();
  targets.forEach((t, i) => {
    const a = g.input(`lora.${t.name}.A`, io, [t.inDim, `lora_rank_${i}`]);
    const b = g.input(`lora.${t.name}.B`, io, [`lora_rank_${i}`, t.outDim]);
    lora.set(t.name, [fromIo(a), fromIo(b)]);
  });
  const linear = (x: string, w: string, module: string): string => {
    const target = module.replace(/^\//, '').replaceAll('/', '.');
    const base = g.op('MatMul', [x, w], {}, undefined, `${module}/MatMul`);
    const ab = lora.get(target);
    if (!ab) return base;
    const delta = g.op('MatMul', [g.op('MatMul', [x, ab[0]]), ab[1]]);
    return g.op('Add', [base, delta]);
  };

  const inputIds = g.input('input_ids', 'int64', ['batch', 'seq']);
  const attentionMask = g.input('attention_mask', 'int64', ['batch', 'total']);
  let positionIds: string;
  if (options.withoutPositionIds) {
    const dim = (t: string, i: number) =>
      g.op('Squeeze', [g.op('Shape', [t], { start: attr.int(i), end: attr.int(i + 1) })]);
    const total = dim(attentionMask, 1);
    const start = g.op('Sub', [total, dim(inputIds, 1)]);
    positionIds = g.op('Unsqueeze', [g.op('Range', [start, total, g.ints([1], [])]), g.ints([0])]);
  } else {
    positionIds = g.input('position_ids', 'int64', ['batch', 'seq']);
  }

  const tokEmb = g.op('Gather', [weight('model.embed_tokens.weight', [V, E], 0.5), inputIds]);
  const posEmb = g.op('Gather', [weight('model.embed_positions.weight', [P, E], 0.1), positionIds]);
  let x = g.op('Add', [tokEmb, posEmb]);

  // mask [batch, 1, seq, total]: key index <= query position, and the key is not padding.
  const headShape = g.ints([0, 0, H, D]);
  const mergeShape = g.ints([0, 0, E]);
  const queryPos = g.op('Unsqueeze', [positionIds, g.ints([1, 3])]);
  const amask = g.op('Cast', [g.op('Unsqueeze', [attentionMask, g.ints([1, 2])])], {
    to: attr.int(9),
  });
  const scale = g.floats([1 / Math.sqrt(D)], []);
  const negInf = g.floats([-1e9], []);
  let mask: string | undefined;

  for (let l = 0; l < L; l++) {
    const p = `model.layers.${l}`;
    const m = `/model/layers.${l}`;
    const h = layerNorm(x, `${p}.input_layernorm`);
    const heads = (t: string): string =>
      g.op('Transpose', [g.op('Reshape', [t, headShape])], { perm: attr.ints([0, 2, 1, 3]) });
    const q = heads(
      linear(h, weight(`${p}.self_attn.q_proj.weight`, [E, E], 0.3), `${m}/self_attn/q_proj`),
    );
    const k = heads(
      linear(h, weight(`${p}.self_attn.k_proj.weight`, [E, E], 0.3), `${m}/self_attn/k_proj`),
    );
    const v = heads(
      linear(h, weight(`${p}.self_attn.v_proj.weight`, [E, E], 0.3), `${m}/self_attn/v_proj`),
    );
    const pastK = fromIo(g.input(`past_key_values.${l}.key`, io, ['batch', H, 'past', D]));
    const pastV = fromIo(g.input(`past_key_values.${l}.value`, io, ['batch', H, 'past', D]));
    const presentK = g.op('Concat', [pastK, k], { axis: attr.int(2) });
    const presentV = g.op('Concat', [pastV, v], { axis: attr.int(2) });
    g.output(toIo(presentK, `present.${l}.key`), io, ['batch', H, 'total', D]);
    g.output(toIo(presentV, `present.${l}.value`), io, ['batch', H, 'total', D]);
    if (!mask) {
      const total = g.op('Squeeze', [
        g.op('Shape', [presentK], { start: attr.int(2), end: attr.int(3) }),
      ]);
      const keyIdx = g.op('Range', [g.ints([0], []), total, g.ints([1], [])]);
      mask = g.op('And', [g.op('LessOrEqual', [keyIdx, queryPos]), amask]);
    }
    const kT = g.op('Transpose', [presentK], { perm: attr.ints([0, 1, 3, 2]) });
    const scores = g.op('Where', [mask, g.op('Mul', [g.op('MatMul', [q, kT]), scale]), negInf]);
    const probs = g.op('Softmax', [scores], { axis: attr.int(-1) });
    const ctx = g.op('Reshape', [
      g.op('Transpose', [g.op('MatMul', [probs, presentV])], { perm: attr.ints([0, 2, 1, 3]) }),
      mergeShape,
    ]);
    x = g.op('Add', [
      x,
      linear(ctx, weight(`${p}.self_attn.o_proj.weight`, [E, E], 0.3), `${m}/self_attn/o_proj`),
    ]);
    const h2 = layerNorm(x, `${p}.post_attention_layernorm`);
    const up = linear(h2, weight(`${p}.mlp.up_proj.weight`, [E, F], 0.3), `${m}/mlp/up_proj`);
    const act = g.op('Mul', [up, g.op('Sigmoid', [up])]);
    x = g.op('Add', [
      x,
      linear(act, weight(`${p}.mlp.down_proj.weight`, [F, E], 0.3), `${m}/mlp/down_proj`),
    ]);
  }
  const hidden = g.op('Identity', [layerNorm(x, 'model.norm')], {}, 'last_hidden_state');
  g.output(hidden, 'float32', ['batch', 'seq', E]);
  let rawLogits = linear(hidden, weight('lm_head.weight', [E, V], 1.0), '/lm_head');
  if (options.numLogitsToKeep) {
    const keep = g.input('num_logits_to_keep', 'int64', []);
    const all = g.op('Cast', [g.op('Equal', [keep, g.ints([0], [])])], { to: attr.int(1) });
    rawLogits = g.op('Mul', [rawLogits, all]);
  }
  const logits = toIo(rawLogits, 'logits');
  g.output(logits, io, ['batch', 'seq', V]);
  return g.toBytes(17);
}
