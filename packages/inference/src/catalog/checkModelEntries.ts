/**
 * The `models.entries` of a configuration, checked before anything loads: files present, registry
 * ids known and of the llm-decoder pipeline and downloaded, scheduler settings valid, adapter
 * files present, CLIP/NSFW references of the right type. Each entry gets its plan: the device it
 * will land on and the memory it takes (the entry's memory_bytes, else the manifest's, else the
 * size of its files).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ZodError } from 'zod';
import { parseSchedulerOverrides } from '../diffusion/createScheduler';
import { InferenceError, InferenceErrorCode } from '../errors';
import { plannedDevice } from '../llm/openLlmEngine';
import { DIFFUSERS_WEIGHTS_FILE, PEFT_WEIGHTS_FILE } from '../lora/adapterStore';
import type { ModelRegistry } from '../registry/modelRegistry';
import { openRegistry } from '../registry/openRegistry';
import type { ModelPlan } from '../runtime/modelManager';
import { type EnvRecord, parseRuntimeConfig, type RuntimeConfig } from '../runtime/runtimeConfig';
import type { DiffusionKind } from '../tasks/diffusionRequests';
import { type DiffusionFamily, diffusionFamilyOf, FAMILY_LAYOUTS } from './diffusionFamilies';
import { expandHome } from './expandHome';
import type { ModelEntryConfig, ModelsConfig } from './modelsConfig';

export interface CheckedModels {
  entries: ReadonlyMap<string, ModelEntryConfig>;
  plans: ReadonlyMap<string, ModelPlan>;
  /** Parts found in each diffusion folder (vae_encoder, controlnet, ...). */
  parts: ReadonlyMap<string, ReadonlySet<string>>;
  /** The family of each diffusion folder, and the diffusion task kinds it serves. */
  diffusion: ReadonlyMap<string, { family: DiffusionFamily; kinds: ReadonlySet<DiffusionKind> }>;
  /** Opened when an entry is an LLM. */
  registry: ModelRegistry | undefined;
}

const configError = (message: string, cause?: unknown) =>
  new InferenceError(InferenceErrorCode.BadConfig, message, cause ? { cause } : {});

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

/** The device of models served by an OpenAI-compatible server (`llm-openai`): nothing is local. */
export const REMOTE_DEVICE = 'remote';

/**
 * A registry LLM: listed and an llm-decoder (downloaded; runs in-process) or an llm-openai model
 * (a client of its server; the server's API key variable set). Returns the manifest's
 * memoryBytes, or undefined for a remote model.
 */
async function checkLlm(
  where: string,
  llmId: string,
  registry: ModelRegistry,
  env: EnvRecord,
): Promise<number | undefined> {
  let bytes: number;
  try {
    const m = registry.model(llmId);
    if (m.pipeline === 'llm-openai') {
      const keyEnv = m.server?.apiKeyEnv;
      if (keyEnv && !env[keyEnv])
        throw new Error(
          `registry model ${llmId} is served at ${m.server?.baseUrl} with the API key in $${keyEnv}, which is not set`,
        );
      return undefined;
    }
    if (m.pipeline !== 'llm-decoder') {
      throw new Error(
        `registry model ${llmId} is a ${m.pipeline} model; type llm serves llm-decoder models in-process and llm-openai models through their server`,
      );
    }
    bytes = m.memoryBytes;
  } catch (cause) {
    throw configError(`${where}: ${(cause as Error).message}`, cause);
  }
  const status = await registry.status(llmId);
  if (!status.downloaded) {
    const missing = status.files.filter((f) => f.state !== 'complete').map((f) => f.path);
    throw configError(
      `${where}: model ${llmId} is not downloaded to ${registry.cacheDir} (missing ${missing.join(', ')}); run \`pnpm models pull ${llmId}\``,
    );
  }
  return bytes;
}

/**
 * A diffusion folder: its family (model_index.json), the family's required parts and tokenizers,
 * scheduler settings, adapter files.
 */
async function checkDiffusion(
  where: string,
  entry: Extract<ModelEntryConfig, { type: 'diffusion' }>,
): Promise<{ found: Set<string>; total: number; family: DiffusionFamily }> {
  const dir = expandHome(entry.dir);
  const family = await diffusionFamilyOf(dir);
  const layout = FAMILY_LAYOUTS[family];
  const found = new Set<string>();
  let total = 0;
  for (const part of [...layout.required, ...layout.optional]) {
    const size = await fileSize(join(dir, part, 'model.onnx'));
    if (size === undefined) continue;
    found.add(part);
    total += size;
  }
  const missing = layout.required.filter((p) => !found.has(p)).map((p) => `${p}/model.onnx`);
  for (const folder of layout.tokenizers(found)) {
    if (!(await hasTokenizer(join(dir, folder))))
      missing.push(`${folder}/tokenizer.json (or ${folder}/vocab.json + merges.txt)`);
  }
  if (missing.length > 0) throw configError(`${where}: ${dir} has no ${missing.join(', ')}`);
  if (family !== 'stable-diffusion') {
    const unused = (
      ['scheduler', 'vae_scaling_factor', 'tokenizer', 'tokenizer_2'] as const
    ).filter((key) => entry[key] !== undefined);
    // Flux takes LoRA adapters on its transformer; Kandinsky none.
    if (family === 'kandinsky' && Object.keys(entry.loras).length > 0)
      unused.push('loras' as never);
    if (unused.length > 0) {
      throw configError(
        `${where}.${unused[0]}: a ${family} export takes its settings from its own files; remove ${unused.join(', ')}`,
      );
    }
  }
  try {
    parseSchedulerOverrides(entry.scheduler ?? {});
  } catch (cause) {
    const issue = cause instanceof ZodError ? cause.issues[0] : undefined;
    const key = issue?.path.length ? `.${issue.path.join('.')}` : '';
    throw configError(`${where}.scheduler${key}: ${issue?.message ?? String(cause)}`, cause);
  }
  for (const [lora, file] of Object.entries(entry.loras)) {
    // A safetensors file, or a folder as PEFT saves one (adapter_model.safetensors + its config)
    // or as diffusers does (pytorch_lora_weights.safetensors).
    const path = expandHome(file.path);
    const isFolder = await stat(path).then(
      (s) => s.isDirectory(),
      () => false,
    );
    const weights = isFolder
      ? [join(path, PEFT_WEIGHTS_FILE), join(path, DIFFUSERS_WEIGHTS_FILE)]
      : [path];
    const sizes = await Promise.all(weights.map(fileSize));
    if (sizes.every((size) => size === undefined))
      throw configError(
        isFolder
          ? `${where}.loras.${lora}: the folder ${file.path} has no ${PEFT_WEIGHTS_FILE} (PEFT) or ${DIFFUSERS_WEIGHTS_FILE} (diffusers)`
          : `${where}.loras.${lora}: no file or adapter folder at ${file.path}`,
      );
  }
  return { found, total, family };
}

/** A tokenizer folder in either layout: tokenizer.json, or CLIP's slow vocab.json + merges.txt. */
async function hasTokenizer(folder: string): Promise<boolean> {
  if ((await fileSize(join(folder, 'tokenizer.json'))) !== undefined) return true;
  return (
    (await fileSize(join(folder, 'vocab.json'))) !== undefined &&
    (await fileSize(join(folder, 'merges.txt'))) !== undefined
  );
}

/** Checks every entry and plans where each will load; throws INFERENCE_BAD_CONFIG naming the key. */
export async function checkModelEntries(options: {
  models: ModelsConfig;
  /** The caller's environment variables (SUBNET_MODELS_*, API keys); default none. */
  env?: EnvRecord;
}): Promise<CheckedModels> {
  const { models } = options;
  const entries = new Map(Object.entries(models.entries));
  let registry: ModelRegistry | undefined;
  if ([...entries.values()].some((e) => e.type === 'llm')) {
    registry = await openRegistry({
      manifests: models.registry.manifests.map(expandHome),
      ...(models.registry.cache_dir ? { cacheDir: expandHome(models.registry.cache_dir) } : {}),
      ...(options.env ? { env: options.env } : {}),
    }).catch((cause: unknown) => {
      throw configError(`models.registry: ${(cause as Error).message}`, cause);
    });
  }
  const plans = new Map<string, ModelPlan>();
  const parts = new Map<string, ReadonlySet<string>>();
  const diffusion = new Map<
    string,
    { family: DiffusionFamily; kinds: ReadonlySet<DiffusionKind> }
  >();
  for (const [id, entry] of entries) {
    const where = `models.entries.${id}`;
    const runtime = runtimeOf(entry);
    let bytes = entry.memory_bytes;
    if (entry.type === 'llm') {
      const llmId = entry.registry_id ?? id;
      const local = await checkLlm(where, llmId, registry as ModelRegistry, options.env ?? {});
      if (local === undefined) {
        plans.set(id, { device: REMOTE_DEVICE, bytes: 0 });
        continue;
      }
      bytes ??= local;
    } else if (entry.type === 'diffusion') {
      const folder = await checkDiffusion(where, entry);
      parts.set(id, folder.found);
      diffusion.set(id, {
        family: folder.family,
        kinds: new Set(FAMILY_LAYOUTS[folder.family].kinds(folder.found)),
      });
      bytes ??= folder.total;
    } else {
      const size = await fileSize(expandHome(entry.file));
      if (size === undefined) throw configError(`${where}: no model file at ${entry.file}`);
      bytes ??= size;
    }
    if (entry.type === 'diffusion' || entry.type === 'upscaler') {
      for (const kind of ['clip', 'nsfw'] as const) {
        const ref = entry[kind];
        if (ref === undefined) continue;
        const target = entries.get(ref);
        if (!target) throw configError(`${where}.${kind}: no model '${ref}' in models.entries`);
        if (target.type !== kind)
          throw configError(`${where}.${kind}: model '${ref}' is a ${target.type}, not a ${kind}`);
      }
    }
    plans.set(id, { device: plannedDevice(runtime), bytes });
  }
  return { entries, plans, parts, diffusion, registry };
}

/** The onnxruntime settings of one entry. */
export function runtimeOf(entry: ModelEntryConfig): RuntimeConfig {
  return parseRuntimeConfig({
    providers: entry.providers,
    deviceId: entry.device_id,
    intraOpNumThreads: entry.threads,
  });
}
