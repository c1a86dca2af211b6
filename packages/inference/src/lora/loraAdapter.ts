import { InferenceError, InferenceErrorCode } from '../errors';
import type { AdapterFeeds, LoraInput } from '../llm/decoderModel';
import { float32ToFloat16 } from '../runtime/float16';
import * as ort from '../runtime/ort';
import {
  moduleSettings,
  type PeftAdapterConfig,
  parseAdapterConfig,
  targetsModule,
} from './adapterConfig';
import type { FloatTensor, SafetensorsFile } from './safetensors';

/**
 * Turns a LoRA adapter in the PEFT layout (`[base_model.model.]<target>.lora_A.weight` [r, in],
 * `<target>.lora_B.weight` [out, r]) into the graph inputs of the base model:
 * `lora.<target>.A` = lora_A^T [in, r] and `lora.<target>.B` = scale · lora_B^T [r, out].
 *
 * Per target, scale = alpha / r (alpha / sqrt(r) with use_rslora), where alpha is, first found:
 * the explicit alpha (registry or model config entry; it replaces every alpha of the adapter),
 * adapter_config.json (alpha_pattern, then lora_alpha), the LoRA config diffusers saves in the
 * safetensors metadata (`lora_adapter_metadata`: one PEFT config per component, its keys prefixed
 * `transformer.`, `unet.`, …, applied to the targets under that component), the safetensors
 * `lora_alpha` metadata, r. Each target has its own rank (PEFT's rank_pattern). Targets the adapter does not name are
 * fed zeros by the model.
 *
 * Refused (INFERENCE_BAD_ADAPTER, naming the file and the tensor or field): tensors this runtime
 * cannot apply (DoRA magnitudes, embedding LoRA, biases, fully saved modules), a target the base
 * model has no LoRA input for, ranks that disagree with adapter_config.json, and shapes that do
 * not fit the base model (an adapter trained for another model).
 */
export interface LoraTargetScale {
  target: string;
  rank: number;
  alpha: number;
  scale: number;
}

export type AlphaSource = 'explicit' | 'adapter_config.json' | 'safetensors metadata' | 'rank';

export interface LoraAdapter {
  feeds: AdapterFeeds;
  /** The largest rank of its targets. */
  rank: number;
  /** Bytes held by the feed tensors. */
  bytes: number;
  targets: LoraTargetScale[];
  rslora: boolean;
  alphaSource: AlphaSource;
  /** Tensors deliberately not used (PEFT's copies of tied base weights). */
  ignored: string[];
}

export interface BuildLoraOptions {
  /** Explicit alpha for every target: wins over adapter_config.json and the metadata. */
  alpha?: number;
  adapterId?: string;
  config?: PeftAdapterConfig;
  /** The safetensors path, for messages. */
  file?: string;
}

const NAME = /^(?:base_model\.model\.)?(.+)\.lora_([AB])(?:\.default)?\.weight$/;
/** PEFT saves the base weight of a tied/embedding layer it wraps; it is the base model's own. */
const BASE_COPY = /\.base_layer\.weight$/;
const CANNOT_APPLY: [RegExp, string][] = [
  [/\.lora_magnitude_vector(\.|$)/, 'a DoRA magnitude vector'],
  [/\.lora_embedding_[AB](\.|$)/, 'an embedding LoRA'],
  [/\.lora_[AB](\.default)?\.bias$/, 'a LoRA bias'],
  [/\.modules_to_save\.|\.original_module\./, 'a fully saved module'],
];

export function buildLoraAdapter(
  file: SafetensorsFile,
  inputs: readonly LoraInput[],
  options: BuildLoraOptions = {},
): LoraAdapter {
  const id = options.adapterId ?? 'adapter';
  const where = options.file ?? `adapter '${id}'`;
  const bad = (why: string) =>
    new InferenceError(
      InferenceErrorCode.BadAdapter,
      `adapter '${id}' cannot be used: ${where}: ${why}`,
    );
  const byTarget = new Map(inputs.map((i) => [i.target, i]));
  const pairs = new Map<string, { A?: [string, FloatTensor]; B?: [string, FloatTensor] }>();
  const ignored: string[] = [];
  for (const [name, tensor] of file.tensors) {
    const match = NAME.exec(name);
    if (!match) {
      if (BASE_COPY.test(name)) {
        ignored.push(name);
        continue;
      }
      const kind = CANNOT_APPLY.find(([re]) => re.test(name))?.[1];
      throw bad(
        `tensor ${name} is ${kind ?? 'not a lora_A/lora_B weight'}, which this runtime cannot apply`,
      );
    }
    const [, target, which] = match as unknown as [string, string, 'A' | 'B'];
    const pair = pairs.get(target) ?? {};
    pair[which] = [name, tensor];
    pairs.set(target, pair);
  }
  if (pairs.size === 0) throw bad('it holds no lora_A/lora_B tensors');

  const components = options.config ? new Map() : diffusersConfigs(file, where, bad);
  const configOf = (target: string): PeftAdapterConfig | undefined =>
    options.config ?? components.get(target.split('.')[0] as string);
  const metaAlpha = file.metadata.lora_alpha;
  if (metaAlpha !== undefined && !Number.isFinite(Number(metaAlpha))) {
    throw bad(`safetensors metadata lora_alpha '${metaAlpha}' is not a number`);
  }
  const alphaSource: AlphaSource =
    options.alpha !== undefined
      ? 'explicit'
      : options.config
        ? 'adapter_config.json'
        : components.size > 0 || metaAlpha !== undefined
          ? 'safetensors metadata'
          : 'rank';
  let rslora = options.config?.useRslora ?? false;
  const feeds = new Map<string, ort.Tensor>();
  const targets: LoraTargetScale[] = [];
  let bytes = 0;
  for (const [target, { A, B }] of pairs) {
    if (!A || !B) throw bad(`${target} needs both lora_A and lora_B, it has only ${(A ?? B)?.[0]}`);
    const input = byTarget.get(target);
    if (!input) {
      throw bad(
        `tensor ${A[0]} targets ${target}, for which the base model has no LoRA input (it has ${inputs.length}: ${inputs
          .slice(0, 4)
          .map((i) => i.target)
          .join(', ')}${inputs.length > 4 ? ', ...' : ''})`,
      );
    }
    const config = configOf(target);
    if (config?.useRslora) rslora = true;
    if (config && !targetsModule(config, target)) {
      throw bad(
        `${config.file} target_modules ${JSON.stringify(config.targetModules)} does not name ${target}, which ${A[0]} adapts`,
      );
    }
    const r = A[1].shape[0] as number;
    const expectedA = [r, input.inDim];
    const expectedB = [input.outDim, r];
    for (const [[name, t], expected] of [
      [A, expectedA],
      [B, expectedB],
    ] as const) {
      if (t.shape.length !== 2 || t.shape[0] !== expected[0] || t.shape[1] !== expected[1]) {
        const transposed = t.shape[0] === expected[1] && t.shape[1] === expected[0];
        throw bad(
          `tensor ${name} has shape ${JSON.stringify(t.shape)}, expected ${JSON.stringify(expected)} (the base model's ${target} maps ${input.inDim} → ${input.outDim})` +
            (transposed
              ? `; it is transposed${config?.fanInFanOut ? ' (fan_in_fan_out does not change the lora_A/lora_B layout PEFT saves)' : ''}`
              : '; is it an adapter for another base model?'),
        );
      }
    }
    let alpha: number;
    if (config) {
      const settings = moduleSettings(config, target);
      if (settings.rank !== r) {
        throw bad(
          `tensor ${A[0]} has rank ${r}, but ${config.file} gives ${target} rank ${settings.rank} (r / rank_pattern)`,
        );
      }
      alpha = options.alpha ?? settings.alpha;
    } else {
      alpha = options.alpha ?? (metaAlpha !== undefined ? Number(metaAlpha) : r);
    }
    const scale = alpha / (config?.useRslora ? Math.sqrt(r) : r);
    targets.push({ target, rank: r, alpha, scale });
    const { inDim, outDim } = input;
    const [a, b] = [new Float32Array(inDim * r), new Float32Array(r * outDim)];
    const [dataA, dataB] = [A[1].data, B[1].data];
    for (let i = 0; i < r; i++)
      for (let j = 0; j < inDim; j++) a[j * r + i] = dataA[i * inDim + j] as number;
    for (let o = 0; o < outDim; o++)
      for (let i = 0; i < r; i++) b[i * outDim + o] = (dataB[o * r + i] as number) * scale;
    if (input.type === 'float16') {
      feeds.set(`lora.${target}.A`, new ort.Tensor('float16', float32ToFloat16(a), [inDim, r]));
      feeds.set(`lora.${target}.B`, new ort.Tensor('float16', float32ToFloat16(b), [r, outDim]));
      bytes += (a.length + b.length) * 2;
    } else {
      feeds.set(`lora.${target}.A`, new ort.Tensor('float32', a, [inDim, r]));
      feeds.set(`lora.${target}.B`, new ort.Tensor('float32', b, [r, outDim]));
      bytes += (a.length + b.length) * 4;
    }
  }
  const rank = Math.max(...targets.map((t) => t.rank));
  return { feeds, rank, bytes, targets, rslora, alphaSource, ignored };
}

/**
 * The PEFT configs diffusers writes into a LoRA file's metadata (`lora_adapter_metadata`: JSON
 * whose keys are `<component>.<PEFT field>`), by component; none without that metadata.
 */
function diffusersConfigs(
  file: SafetensorsFile,
  where: string,
  bad: (why: string) => InferenceError,
): Map<string, PeftAdapterConfig> {
  const text = file.metadata.lora_adapter_metadata;
  const configs = new Map<string, PeftAdapterConfig>();
  if (text === undefined) return configs;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw bad('safetensors metadata lora_adapter_metadata is not JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw bad('safetensors metadata lora_adapter_metadata is not a JSON object');
  }
  const byComponent = new Map<string, Record<string, unknown>>();
  for (const [key, value] of Object.entries(json)) {
    const dot = key.indexOf('.');
    if (dot <= 0) continue;
    const component = key.slice(0, dot);
    const fields = byComponent.get(component) ?? {};
    fields[key.slice(dot + 1)] = value;
    byComponent.set(component, fields);
  }
  for (const [component, fields] of byComponent) {
    configs.set(
      component,
      parseAdapterConfig(fields, `${where} (lora_adapter_metadata, ${component})`),
    );
  }
  return configs;
}
