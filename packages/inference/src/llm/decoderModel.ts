import { InferenceError, InferenceErrorCode } from '../errors';
import { float16ToFloat32 } from '../runtime/float16';
import * as ort from '../runtime/ort';

/**
 * A decoder-only LLM exported to ONNX with past key/values. The input/output names are those
 * of the usual exports: input_ids, attention_mask, position_ids, past_key_values.N.key/value
 * → logits, present.N.key/value. Optional LoRA inputs `lora.<target>.A` / `.B` are fed from
 * the active adapter, or zeros (rank 1) when none is active.
 */
export interface KvCache {
  /** Positions held in the cache. */
  readonly length: number;
  /** `past_key_values.N.key|value` → tensor [1, kvHeads, length, headDim]. */
  readonly tensors: ReadonlyMap<string, ort.Tensor>;
}

export type FloatType = 'float32' | 'float16';

export interface LoraInput {
  target: string;
  inDim: number;
  outDim: number;
  /** Element type of the A/B inputs (float16 exports take float16 adapters). */
  type?: FloatType;
}

export type AdapterFeeds = ReadonlyMap<string, ort.Tensor>;

export interface ForwardResult {
  /** Logits of every fed position, row-major [positions, vocab]. */
  logits: Float32Array;
  cache: KvCache;
  /** The `last_hidden_state` output, when the model has one (the test models do). */
  lastHiddenState?: Float32Array;
}

export class DecoderModel {
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly vocabSize: number;
  /** Element type of the KV cache inputs. */
  readonly kvType: FloatType;
  /** Some exports (GPT-2 style) derive positions themselves and have no position_ids input. */
  readonly hasPositionIds: boolean;
  /** Exports with `num_logits_to_keep`/`logits_to_keep` get 0 (all rows, as scoring needs). */
  private readonly logitsToKeepInput: string | undefined;
  readonly loraInputs: readonly LoraInput[];
  private readonly zeroLora: Map<string, ort.Tensor>;

  constructor(readonly session: ort.InferenceSession) {
    const meta = new Map(session.inputMetadata.map((m) => [m.name, m]));
    const need = ['input_ids', 'attention_mask'];
    for (const name of need) {
      if (!meta.has(name)) throw unsupported(`the model has no input named ${name}`);
    }
    let layers = 0;
    while (meta.has(`past_key_values.${layers}.key`)) layers++;
    if (layers === 0) throw unsupported('the model has no past_key_values.N.key inputs');
    const kv = meta.get('past_key_values.0.key');
    const shape = kv?.isTensor ? kv.shape : [];
    const [kvHeads, headDim] = [shape[1], shape[3]];
    if (typeof kvHeads !== 'number' || typeof headDim !== 'number') {
      throw unsupported('past_key_values.0.key must have fixed head count and head size');
    }
    const kvType = kv?.isTensor ? kv.type : undefined;
    if (kvType !== 'float32' && kvType !== 'float16') {
      throw unsupported(`past_key_values must be float32 or float16, not ${String(kvType)}`);
    }
    this.kvType = kvType;
    this.hasPositionIds = meta.has('position_ids');
    this.logitsToKeepInput = ['num_logits_to_keep', 'logits_to_keep'].find((n) => meta.has(n));
    const logitsMeta = session.outputMetadata.find((m) => m.name === 'logits');
    const vocab = logitsMeta?.isTensor ? logitsMeta.shape[2] : undefined;
    if (typeof vocab !== 'number') throw unsupported('the logits output needs a fixed vocab size');
    this.layers = layers;
    this.kvHeads = kvHeads;
    this.headDim = headDim;
    this.vocabSize = vocab;
    const lora: LoraInput[] = [];
    for (const m of session.inputMetadata) {
      const match = /^lora\.(.+)\.A$/.exec(m.name);
      if (!match?.[1] || !m.isTensor) continue;
      const target = match[1];
      const b = meta.get(`lora.${target}.B`);
      const inDim = m.shape[0];
      const outDim = b?.isTensor ? b.shape[1] : undefined;
      if (typeof inDim !== 'number' || typeof outDim !== 'number') {
        throw unsupported(`lora.${target}.A/B need fixed in/out sizes`);
      }
      lora.push({ target, inDim, outDim, type: m.type === 'float16' ? 'float16' : 'float32' });
    }
    this.loraInputs = lora;
    this.zeroLora = new Map();
    for (const l of lora) {
      this.zeroLora.set(`lora.${l.target}.A`, zeros(l.type ?? 'float32', [l.inDim, 1]));
      this.zeroLora.set(`lora.${l.target}.B`, zeros(l.type ?? 'float32', [1, l.outDim]));
    }
  }

  emptyCache(): KvCache {
    const tensors = new Map<string, ort.Tensor>();
    for (let l = 0; l < this.layers; l++) {
      for (const kv of ['key', 'value']) {
        tensors.set(
          `past_key_values.${l}.${kv}`,
          zeros(this.kvType, [1, this.kvHeads, 0, this.headDim]),
        );
      }
    }
    return { length: 0, tensors };
  }

  /** Runs the model on `ids` placed after the cache; returns logits of every fed position. */
  async forward(
    ids: readonly number[],
    cache: KvCache,
    adapter?: AdapterFeeds,
  ): Promise<ForwardResult> {
    const n = ids.length;
    const total = cache.length + n;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, n]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
    };
    if (this.hasPositionIds) {
      const positions = BigInt64Array.from({ length: n }, (_, i) => BigInt(cache.length + i));
      feeds.position_ids = new ort.Tensor('int64', positions, [1, n]);
    }
    if (this.logitsToKeepInput) {
      feeds[this.logitsToKeepInput] = new ort.Tensor('int64', BigInt64Array.of(0n), []);
    }
    for (const [name, t] of cache.tensors) feeds[name] = t;
    for (const [name, t] of this.zeroLora) feeds[name] = adapter?.get(name) ?? t;
    const out = await this.session.run(feeds);
    const logits = out.logits;
    if (!logits) throw unsupported('the model returned no logits');
    const tensors = new Map<string, ort.Tensor>();
    for (let l = 0; l < this.layers; l++) {
      for (const kv of ['key', 'value']) {
        const present = out[`present.${l}.${kv}`];
        if (!present) throw unsupported(`the model returned no present.${l}.${kv}`);
        tensors.set(`past_key_values.${l}.${kv}`, present);
      }
    }
    const result: ForwardResult = { logits: asFloat32(logits), cache: { length: total, tensors } };
    const hidden = out.last_hidden_state;
    if (hidden) result.lastHiddenState = asFloat32(hidden);
    return result;
  }

  /** A copy of the cache holding only its first `length` positions. */
  truncateCache(cache: KvCache, length: number): KvCache {
    if (length >= cache.length) return cache;
    const { kvHeads: H, headDim: D } = this;
    const tensors = new Map<string, ort.Tensor>();
    for (const [name, t] of cache.tensors) {
      const src = t.data as Float32Array | Uint16Array;
      const dst =
        src instanceof Uint16Array
          ? new Uint16Array(H * length * D)
          : new Float32Array(H * length * D);
      for (let h = 0; h < H; h++) {
        dst.set(
          src.subarray(h * cache.length * D, (h * cache.length + length) * D),
          h * length * D,
        );
      }
      tensors.set(name, new ort.Tensor(this.kvType, dst, [1, H, length, D]));
    }
    return { length, tensors };
  }
}

function zeros(type: FloatType, dims: number[]): ort.Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  return type === 'float16'
    ? new ort.Tensor('float16', new Uint16Array(n), dims)
    : new ort.Tensor('float32', new Float32Array(n), dims);
}

function asFloat32(t: ort.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') return float16ToFloat32(t.data as Uint16Array);
  throw unsupported(`output of type ${t.type} where float32 or float16 was expected`);
}

function unsupported(message: string): InferenceError {
  return new InferenceError(InferenceErrorCode.ModelShapeUnsupported, message);
}
