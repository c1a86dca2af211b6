import { InferenceError, InferenceErrorCode } from '../errors';

/**
 * PEFT's `adapter_config.json` (PEFT 0.21), as far as it decides how a LoRA adapter is applied:
 * per target module, rank r_t = rank_pattern[key] ?? r and alpha_t = alpha_pattern[key] ??
 * lora_alpha, and the delta is (alpha_t / r_t) · B·A, or (alpha_t / sqrt(r_t)) · B·A with
 * use_rslora. Pattern keys match a module name as PEFT's get_pattern_key does: the first key K
 * (in file order) with `^(.*\.)?(K)$`.
 *
 * Adapters whose forward pass is not `x·W + scale·x·A^T·B^T` are refused, naming the field:
 * DoRA, LoRA biases, modules_to_save, trainable tokens, parameter targets, activated LoRA,
 * QALoRA, layer replication, and any peft_type but LORA. fan_in_fan_out (GPT-2 Conv1D bases)
 * changes how PEFT merges, not the shapes of lora_A/lora_B nor the forward pass, so it is accepted.
 */
export interface PeftAdapterConfig {
  /** The file, for messages. */
  file: string;
  r: number;
  loraAlpha: number;
  useRslora: boolean;
  rankPattern: ReadonlyArray<[string, number]>;
  alphaPattern: ReadonlyArray<[string, number]>;
  /** A list of module-name suffixes, a regex (full match), or 'all-linear'; undefined if absent. */
  targetModules: readonly string[] | string | undefined;
  fanInFanOut: boolean;
  /** Informative only: the model the adapter was trained on. */
  baseModel: string | undefined;
}

function refuse(file: string, why: string): InferenceError {
  return new InferenceError(InferenceErrorCode.BadAdapter, `${file}: ${why}`);
}

const UNSUPPORTED: [field: string, what: string][] = [
  ['use_dora', 'DoRA (weight-decomposed LoRA)'],
  ['lora_bias', 'LoRA biases'],
  ['modules_to_save', 'fully trained modules'],
  ['trainable_token_indices', 'trained token embeddings'],
  ['target_parameters', 'LoRA on parameters'],
  ['alora_invocation_tokens', 'activated LoRA'],
  ['use_qalora', 'QALoRA'],
  ['layer_replication', 'layer replication'],
];

function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

export function parseAdapterConfig(json: Record<string, unknown>, file: string): PeftAdapterConfig {
  const peftType = json.peft_type;
  if (peftType !== undefined && peftType !== 'LORA') {
    throw refuse(file, `peft_type ${JSON.stringify(peftType)} is not supported (only LORA)`);
  }
  for (const [field, what] of UNSUPPORTED) {
    if (isSet(json[field])) {
      throw refuse(
        file,
        `${field} is ${JSON.stringify(json[field])}: ${what} cannot be applied by this runtime`,
      );
    }
  }
  const positive = (field: string, integer: boolean): number => {
    const v = json[field];
    if (typeof v !== 'number' || !(v > 0) || (integer && !Number.isInteger(v))) {
      throw refuse(
        file,
        `${field} must be a positive ${integer ? 'integer' : 'number'}, not ${JSON.stringify(v)}`,
      );
    }
    return v;
  };
  const pattern = (field: string, integer: boolean): [string, number][] => {
    const v = json[field];
    if (v === undefined || v === null) return [];
    if (typeof v !== 'object' || Array.isArray(v)) throw refuse(file, `${field} must be an object`);
    return Object.entries(v).map(([key, n]) => {
      if (typeof n !== 'number' || !(n > 0) || (integer && !Number.isInteger(n))) {
        throw refuse(file, `${field}.${key} must be a positive number, not ${JSON.stringify(n)}`);
      }
      return [key, n];
    });
  };
  const targets = json.target_modules;
  if (
    targets !== undefined &&
    targets !== null &&
    typeof targets !== 'string' &&
    !(Array.isArray(targets) && targets.every((t) => typeof t === 'string'))
  ) {
    throw refuse(file, 'target_modules must be a string or a list of strings');
  }
  return {
    file,
    r: positive('r', true),
    loraAlpha: positive('lora_alpha', false),
    useRslora: json.use_rslora === true,
    rankPattern: pattern('rank_pattern', true),
    alphaPattern: pattern('alpha_pattern', false),
    targetModules: (targets ?? undefined) as readonly string[] | string | undefined,
    fanInFanOut: json.fan_in_fan_out === true,
    baseModel:
      typeof json.base_model_name_or_path === 'string' ? json.base_model_name_or_path : undefined,
  };
}

function patternValue(
  patterns: ReadonlyArray<[string, number]>,
  module: string,
): number | undefined {
  for (const [key, value] of patterns) {
    if (new RegExp(`^(?:.*\\.)?(?:${key})$`).test(module)) return value;
  }
  return undefined;
}

/** Rank and alpha PEFT gives one target module (e.g. `model.layers.1.self_attn.q_proj`). */
export function moduleSettings(
  config: PeftAdapterConfig,
  module: string,
): { rank: number; alpha: number } {
  return {
    rank: patternValue(config.rankPattern, module) ?? config.r,
    alpha: patternValue(config.alphaPattern, module) ?? config.loraAlpha,
  };
}

/** Whether target_modules names the module (PEFT's check_target_module_exists). */
export function targetsModule(config: PeftAdapterConfig, module: string): boolean {
  const t = config.targetModules;
  if (t === undefined || t === 'all-linear') return true;
  if (typeof t === 'string') return new RegExp(`^(?:${t})$`).test(module);
  return t.some((key) => module === key || module.endsWith(`.${key}`));
}
