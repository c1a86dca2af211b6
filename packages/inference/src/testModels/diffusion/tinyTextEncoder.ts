import { attr, OnnxGraph } from '../../testing/onnxGraph';
import { constant, randomWeight } from './weights';

/**
 * A CLIP-text-shaped encoder: `input_ids` int64 [batch, seq] → `last_hidden_state`
 * [batch, seq, hidden], the per-layer `hidden_states.0` (embeddings) and `hidden_states.1`, and
 * `pooler_output` [batch, hidden] (the state at the position of the
 * largest token id, CLIP's end-of-text rule). Token + position embeddings, one causal
 * self-attention block, one MLP, final layer norm; optional LoRA inputs on q and v.
 */
export interface TinyTextEncoderConfig {
  vocabSize: number;
  seqLength: number;
  hidden: number;
  seed: number;
  /** LoRA inputs on the attention's q and v projections (targets `<name>.attn.q`, `.attn.v`). */
  loraName?: string;
}

export const defaultTinyTextEncoderConfig: TinyTextEncoderConfig = {
  vocabSize: 384,
  seqLength: 16,
  hidden: 32,
  seed: 11,
  loraName: 'text_encoder',
};

export function buildTinyTextEncoder(
  config: TinyTextEncoderConfig = defaultTinyTextEncoderConfig,
): Uint8Array {
  const { vocabSize: V, seqLength: S, hidden: E, seed } = config;
  const g = new OnnxGraph('tiny_text_encoder');
  const w = (name: string, dims: number[], scale: number) =>
    randomWeight(g, seed, name, dims, scale);
  const layerNorm = (x: string, name: string) =>
    g.op(
      'LayerNormalization',
      [x, constant(g, `${name}.weight`, 1, E), constant(g, `${name}.bias`, 0, E)],
      { axis: attr.int(-1), epsilon: attr.float(1e-5) },
    );
  const ids = g.input('input_ids', 'int64', ['batch', S]);
  let x = g.op(
    'Add',
    [
      g.op('Gather', [w('embeddings.token', [V, E], 0.5), ids]),
      w('embeddings.position', [S, E], 0.1),
    ],
    {},
    'hidden_states.0',
  );
  g.output(x, 'float32', ['batch', S, E]);
  const causal = new Float32Array(S * S);
  for (let i = 0; i < S; i++) for (let j = i + 1; j < S; j++) causal[i * S + j] = -1e9;
  const mask = g.tensor('causal_mask', causal, [S, S]);
  const h = layerNorm(x, 'layer.ln1');
  const linear = (name: string) => {
    const base = g.op('MatMul', [h, w(`layer.${name}`, [E, E], 0.3)]);
    if (!config.loraName || name === 'k') return base;
    const target = `${config.loraName}.attn.${name}`;
    const a = g.input(`lora.${target}.A`, 'float32', [E, `rank_${name}`]);
    const b = g.input(`lora.${target}.B`, 'float32', [`rank_${name}`, E]);
    return g.op('Add', [base, g.op('MatMul', [g.op('MatMul', [h, a]), b])]);
  };
  const q = linear('q');
  const k = linear('k');
  const v = linear('v');
  const scores = g.op('Add', [
    g.op('Mul', [
      g.op('MatMul', [q, g.op('Transpose', [k], { perm: attr.ints([0, 2, 1]) })]),
      g.floats([1 / Math.sqrt(E)], []),
    ]),
    mask,
  ]);
  const ctx = g.op('MatMul', [g.op('Softmax', [scores], { axis: attr.int(-1) }), v]);
  x = g.op('Add', [x, g.op('MatMul', [ctx, w('layer.o', [E, E], 0.3)])]);
  const up = g.op('MatMul', [layerNorm(x, 'layer.ln2'), w('layer.up', [E, 2 * E], 0.3)]);
  x = g.op('Add', [
    x,
    g.op('MatMul', [g.op('Mul', [up, g.op('Sigmoid', [up])]), w('layer.down', [2 * E, E], 0.3)]),
  ]);
  x = g.op('Identity', [x], {}, 'hidden_states.1');
  g.output(x, 'float32', ['batch', S, E]);
  const hidden = g.op('Identity', [layerNorm(x, 'final_ln')], {}, 'last_hidden_state');
  g.output(hidden, 'float32', ['batch', S, E]);
  // Pool at argmax(input_ids): a one-hot row [batch, 1, S] times the states.
  const eos = g.op('ArgMax', [ids], { axis: attr.int(-1), keepdims: attr.int(1) });
  const positions = g.ints(
    Array.from({ length: S }, (_, i) => i),
    [1, S],
  );
  const onehot = g.op('Unsqueeze', [
    g.op('Cast', [g.op('Equal', [positions, eos])], { to: attr.int(1) }),
    g.ints([1]),
  ]);
  const pooled = g.op(
    'Squeeze',
    [g.op('MatMul', [onehot, hidden]), g.ints([1])],
    {},
    'pooler_output',
  );
  g.output(pooled, 'float32', ['batch', E]);
  return g.toBytes(17);
}
