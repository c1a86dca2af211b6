import { describe, expect, it } from 'vitest';
import { InferenceErrorCode } from '../errors';
import type { LoraInput } from '../llm/decoderModel';
import { parseAdapterConfig } from './adapterConfig';
import { buildLoraAdapter } from './loraAdapter';
import type { FloatTensor, SafetensorsFile } from './safetensors';

const Q0 = 'model.layers.0.self_attn.q_proj';
const Q1 = 'model.layers.1.self_attn.q_proj';
const inputs: LoraInput[] = [
  { target: Q0, inDim: 2, outDim: 3 },
  { target: Q1, inDim: 2, outDim: 3 },
];
const t = (shape: number[], values: number[]): FloatTensor => ({
  shape,
  data: Float32Array.from(values),
});
// lora_A [r=2, in=2] = [[1, 2], [3, 4]]; lora_B [out=3, r=2] = [[1, 0], [0, 1], [2, -1]].
const A = t([2, 2], [1, 2, 3, 4]);
const B = t([3, 2], [1, 0, 0, 1, 2, -1]);
/** B^T [r, out], row-major: what the B feed holds before the scale. */
const BT = [1, 0, 2, 0, 1, -1];

function peft(tensors: Record<string, FloatTensor>, metadata: Record<string, string> = {}) {
  return {
    metadata,
    tensors: new Map(Object.entries(tensors)),
  } satisfies SafetensorsFile;
}
const q0 = peft({
  [`base_model.model.${Q0}.lora_A.weight`]: A,
  [`base_model.model.${Q0}.lora_B.weight`]: B,
});
const config = (fields: Record<string, unknown>) =>
  parseAdapterConfig(
    { peft_type: 'LORA', r: 2, lora_alpha: 8, target_modules: ['q_proj'], ...fields },
    '/ad/adapter_config.json',
  );
const feed = (adapter: ReturnType<typeof buildLoraAdapter>, name: string) =>
  Array.from(adapter.feeds.get(name)?.data as Float32Array);

describe('buildLoraAdapter scales as PEFT does', () => {
  it('feeds A^T and (alpha / r) · B^T with alpha and r from adapter_config.json', () => {
    const adapter = buildLoraAdapter(q0, inputs, { config: config({}) });
    expect(feed(adapter, `lora.${Q0}.A`)).toEqual([1, 3, 2, 4]);
    expect(adapter.feeds.get(`lora.${Q0}.B`)?.dims).toEqual([2, 3]);
    expect(feed(adapter, `lora.${Q0}.B`)).toEqual([4, 0, 8, 0, 4, -4]);
    expect(adapter.targets).toEqual([{ target: Q0, rank: 2, alpha: 8, scale: 4 }]);
    expect(adapter.alphaSource).toBe('adapter_config.json');
    expect(adapter.rslora).toBe(false);
  });

  it('uses alpha / sqrt(r) with use_rslora', () => {
    const adapter = buildLoraAdapter(q0, inputs, { config: config({ use_rslora: true }) });
    const scale = 8 / Math.SQRT2;
    expect(adapter.targets[0]?.scale).toBe(scale);
    expect(feed(adapter, `lora.${Q0}.B`)).toEqual(
      Array.from(Float32Array.from(BT, (v) => v * scale)),
    );
    expect(feed(adapter, `lora.${Q0}.B`)[0]).toBeCloseTo(5.656854, 6);
    expect(adapter.rslora).toBe(true);
  });

  it('takes alpha from: the explicit value, adapter_config.json, the safetensors metadata, r', () => {
    const withMeta = { ...q0, metadata: { lora_alpha: '6' } };
    const scale = (options: Parameters<typeof buildLoraAdapter>[2]) => {
      const a = buildLoraAdapter(withMeta, inputs, options);
      return [a.alphaSource, a.targets[0]?.scale, feed(a, `lora.${Q0}.B`)[0]];
    };
    expect(scale({ alpha: 10, config: config({}) })).toEqual(['explicit', 5, 5]);
    expect(scale({ config: config({}) })).toEqual(['adapter_config.json', 4, 4]);
    expect(scale({})).toEqual(['safetensors metadata', 3, 3]);
    expect(buildLoraAdapter(q0, inputs).targets[0]).toEqual({
      target: Q0,
      rank: 2,
      alpha: 2,
      scale: 1,
    });
  });

  it('gives each module its rank_pattern / alpha_pattern (first matching key)', () => {
    const file = peft({
      [`base_model.model.${Q0}.lora_A.weight`]: A,
      [`base_model.model.${Q0}.lora_B.weight`]: B,
      [`base_model.model.${Q1}.lora_A.weight`]: t([1, 2], [1, -1]),
      [`base_model.model.${Q1}.lora_B.weight`]: t([3, 1], [1, 2, 3]),
    });
    const adapter = buildLoraAdapter(file, inputs, {
      config: config({
        rank_pattern: { 'layers.1.self_attn.q_proj': 1 },
        alpha_pattern: { 'layers\\.1\\..*q_proj': 3, q_proj: 5 },
      }),
    });
    expect(adapter.targets).toEqual([
      { target: Q0, rank: 2, alpha: 5, scale: 2.5 },
      { target: Q1, rank: 1, alpha: 3, scale: 3 },
    ]);
    expect(adapter.rank).toBe(2);
    expect(adapter.feeds.get(`lora.${Q1}.A`)?.dims).toEqual([2, 1]);
    expect(feed(adapter, `lora.${Q1}.B`)).toEqual([3, 6, 9]);
  });

  it('ignores the copy of a tied base weight PEFT saves with an lm_head adapter, and says so', () => {
    const file = peft({
      ...Object.fromEntries(q0.tensors),
      'base_model.model.lm_head.base_layer.weight': t([3, 2], [1, 2, 3, 4, 5, 6]),
    });
    const adapter = buildLoraAdapter(file, inputs, { config: config({}) });
    expect(adapter.ignored).toEqual(['base_model.model.lm_head.base_layer.weight']);
    expect([...adapter.feeds.keys()]).toEqual([`lora.${Q0}.A`, `lora.${Q0}.B`]);
  });

  it('accepts fan_in_fan_out (PEFT saves lora_A/lora_B in the same layout) ', () => {
    const adapter = buildLoraAdapter(q0, inputs, { config: config({ fan_in_fan_out: true }) });
    expect(feed(adapter, `lora.${Q0}.B`)).toEqual([4, 0, 8, 0, 4, -4]);
  });
});

describe('buildLoraAdapter refuses what it cannot apply', () => {
  const refuses = (file: SafetensorsFile, options: Parameters<typeof buildLoraAdapter>[2]) => {
    try {
      buildLoraAdapter(file, inputs, {
        adapterId: 'x',
        file: '/ad/adapter_model.safetensors',
        ...options,
      });
    } catch (err) {
      expect(err).toMatchObject({ code: InferenceErrorCode.BadAdapter });
      return (err as Error).message;
    }
    throw new Error('it was accepted');
  };
  const prefix = "adapter 'x' cannot be used: /ad/adapter_model.safetensors: ";

  it('names the tensor, its shape and the expected shape for another base model', () => {
    const wide = peft({
      [`base_model.model.${Q0}.lora_A.weight`]: t([2, 5], new Array(10).fill(1)),
      [`base_model.model.${Q0}.lora_B.weight`]: t([3, 2], new Array(6).fill(1)),
    });
    expect(refuses(wide, {})).toBe(
      `${prefix}tensor base_model.model.${Q0}.lora_A.weight has shape [2,5], expected [2,2] (the base model's ${Q0} maps 2 → 3); is it an adapter for another base model?`,
    );
  });

  it('says when a tensor is transposed, fan_in_fan_out or not', () => {
    const transposed = peft({
      [`base_model.model.${Q0}.lora_A.weight`]: A,
      [`base_model.model.${Q0}.lora_B.weight`]: t([2, 3], BT),
    });
    expect(refuses(transposed, { config: config({ fan_in_fan_out: true }) })).toBe(
      `${prefix}tensor base_model.model.${Q0}.lora_B.weight has shape [2,3], expected [3,2] (the base model's ${Q0} maps 2 → 3); it is transposed (fan_in_fan_out does not change the lora_A/lora_B layout PEFT saves)`,
    );
  });

  it('refuses a target without a LoRA input, or one target_modules does not name', () => {
    const k = peft({
      'base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight': A,
      'base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight': B,
    });
    expect(refuses(k, {})).toBe(
      `${prefix}tensor base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight targets model.layers.0.self_attn.k_proj, for which the base model has no LoRA input (it has 2: ${Q0}, ${Q1})`,
    );
    expect(refuses(q0, { config: config({ target_modules: ['v_proj'] }) })).toBe(
      `${prefix}/ad/adapter_config.json target_modules ["v_proj"] does not name ${Q0}, which base_model.model.${Q0}.lora_A.weight adapts`,
    );
  });

  it('refuses a rank other than the config gives, DoRA magnitudes and unknown tensors', () => {
    expect(refuses(q0, { config: config({ r: 4 }) })).toBe(
      `${prefix}tensor base_model.model.${Q0}.lora_A.weight has rank 2, but /ad/adapter_config.json gives ${Q0} rank 4 (r / rank_pattern)`,
    );
    const dora = peft({
      ...Object.fromEntries(q0.tensors),
      [`base_model.model.${Q0}.lora_magnitude_vector`]: t([3], [1, 1, 1]),
    });
    expect(refuses(dora, {})).toBe(
      `${prefix}tensor base_model.model.${Q0}.lora_magnitude_vector is a DoRA magnitude vector, which this runtime cannot apply`,
    );
    const extra = peft({ ...Object.fromEntries(q0.tensors), 'base_model.model.score.weight': A });
    expect(refuses(extra, {})).toBe(
      `${prefix}tensor base_model.model.score.weight is not a lora_A/lora_B weight, which this runtime cannot apply`,
    );
  });
});

describe('parseAdapterConfig', () => {
  const refused = (fields: Record<string, unknown>) => {
    try {
      config(fields);
    } catch (err) {
      expect(err).toMatchObject({ code: InferenceErrorCode.BadAdapter });
      return (err as Error).message;
    }
    throw new Error('it was accepted');
  };

  it('refuses DoRA, other PEFT types and what else changes the forward pass, naming the field', () => {
    expect(refused({ use_dora: true })).toBe(
      '/ad/adapter_config.json: use_dora is true: DoRA (weight-decomposed LoRA) cannot be applied by this runtime',
    );
    expect(refused({ peft_type: 'IA3' })).toBe(
      '/ad/adapter_config.json: peft_type "IA3" is not supported (only LORA)',
    );
    expect(refused({ modules_to_save: ['lm_head'] })).toBe(
      '/ad/adapter_config.json: modules_to_save is ["lm_head"]: fully trained modules cannot be applied by this runtime',
    );
    expect(refused({ lora_alpha: 'eight' })).toBe(
      '/ad/adapter_config.json: lora_alpha must be a positive number, not "eight"',
    );
    expect(refused({ r: 0 })).toBe('/ad/adapter_config.json: r must be a positive integer, not 0');
  });

  it('accepts what PEFT 0.21 writes for a plain LoRA (empty patterns, nulls, false flags)', () => {
    const parsed = config({
      use_dora: false,
      lora_bias: false,
      modules_to_save: null,
      trainable_token_indices: null,
      layer_replication: null,
      alpha_pattern: {},
      rank_pattern: {},
      loftq_config: {},
      use_rslora: false,
      base_model_name_or_path: 'Qwen/Qwen2.5-0.5B',
    });
    expect(parsed).toMatchObject({
      r: 2,
      loraAlpha: 8,
      useRslora: false,
      baseModel: 'Qwen/Qwen2.5-0.5B',
    });
  });
});
