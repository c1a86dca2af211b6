/**
 * The validator's own models from its `checking` config: every entry of `checking.models` is
 * checked (files present, registry models downloaded) and loaded at start, held for the life of
 * the process, and looked up by the model id a task names. A broken entry stops start-up with
 * the key that is wrong; an answer for a model the validator does not hold is left unchecked.
 */
import { InferenceError, InferenceErrorCode, type LlmEngine } from '@subnet/inference';
import {
  type BackendOf,
  type BackendType,
  ModelCatalog,
  type ModelType,
  REMOTE_DEVICE,
} from '@subnet/inference/catalog';
import type { TiledUpscaler } from '@subnet/inference/diffusion';
import type { ClipEmbedder, NsfwClassifier } from '@subnet/inference/image';
import type { DiffusionRunner } from '@subnet/inference/tasks';
import type { Logger } from 'pino';
import type { ValidatorConfig } from '../config/validatorConfig';
import { ValidatorError, ValidatorErrorCode } from '../errors';
import { loadRewardModel } from './checkResult';
import type { CheckModels } from './checkTypes';
import type { SyntheticProfile } from './syntheticTasks';

export interface OpenedCheckModels {
  models: CheckModels;
  /** Loaded entry ids by type. */
  loaded: Readonly<Record<ModelType, readonly string[]>>;
  /** Unloads every model. */
  release(): Promise<void>;
}

type Checking = ValidatorConfig['checking'];

const configError = (message: string, cause?: unknown) =>
  new ValidatorError(ValidatorErrorCode.ConfigInvalid, message, cause ? { cause } : {});

export async function openCheckModels(
  checking: Checking,
  options: { log: Logger; env?: NodeJS.ProcessEnv },
): Promise<OpenedCheckModels> {
  const log = options.log.child({ module: 'check-models' });
  let catalog: ModelCatalog;
  try {
    catalog = await ModelCatalog.open({
      models: checking.models,
      log,
      ...(options.env ? { env: options.env } : {}),
    });
  } catch (err) {
    if (err instanceof InferenceError && err.code === InferenceErrorCode.BadConfig)
      throw configError(`checking.${err.message}`, err);
    throw err;
  }
  for (const key of ['clip', 'nsfw'] as const) {
    const ref = checking[key];
    if (ref === undefined) continue;
    const type = catalog.entry(ref)?.type;
    if (type !== key)
      throw configError(
        `checking.${key}: '${ref}' is ${type ? `a ${type} model` : 'not in checking.models.entries'}; it must name a ${key} entry`,
      );
  }

  const releases: Array<() => void> = [];
  const byType = {
    llm: new Map<string, LlmEngine>(),
    diffusion: new Map<string, DiffusionRunner>(),
    upscaler: new Map<string, TiledUpscaler>(),
    clip: new Map<string, ClipEmbedder>(),
    nsfw: new Map<string, NsfwClassifier>(),
  };
  const hold = async <K extends BackendType>(id: string, type: K): Promise<BackendOf<K>> => {
    const { backend, release } = await catalog.acquire(id, type);
    releases.push(release);
    return backend;
  };
  const release = async () => {
    for (const r of releases.splice(0)) r();
    await catalog.manager.close();
  };
  try {
    for (const id of catalog.ids()) {
      const entry = catalog.entry(id);
      if (!entry) continue;
      const started = Date.now();
      switch (entry.type) {
        case 'llm':
          if (catalog.plan(id)?.device === REMOTE_DEVICE)
            throw configError(
              `checking.models.entries.${id}: an llm-openai model cannot check answers (each token is scored with the model in-process); list its ONNX export instead`,
            );
          byType.llm.set(id, (await hold(id, 'llm')).engine);
          break;
        case 'diffusion':
          byType.diffusion.set(id, (await hold(id, 'diffusion')).pipeline);
          break;
        case 'upscaler':
          byType.upscaler.set(id, (await hold(id, 'upscaler')).upscaler);
          break;
        case 'clip':
          byType.clip.set(id, (await hold(id, 'clip')).clip);
          break;
        case 'nsfw':
          byType.nsfw.set(id, (await hold(id, 'nsfw')).nsfw);
          break;
      }
      log.info({ model: id, type: entry.type, ms: Date.now() - started }, 'check model loaded');
    }
  } catch (err) {
    await release();
    throw err;
  }

  const clip = checking.clip === undefined ? undefined : byType.clip.get(checking.clip);
  const nsfw = checking.nsfw === undefined ? undefined : byType.nsfw.get(checking.nsfw);
  return {
    models: {
      rewardModel: loadRewardModel(),
      llm: (model) => byType.llm.get(model),
      llmSampleMatch: checking.llm_sample_match,
      diffusion: (model) => byType.diffusion.get(model),
      upscaler: (model) => byType.upscaler.get(model),
      clipModel: (model) => byType.clip.get(model),
      ...(clip ? { clip } : {}),
      ...(nsfw ? { nsfw } : {}),
    },
    loaded: {
      llm: [...byType.llm.keys()],
      diffusion: [...byType.diffusion.keys()],
      upscaler: [...byType.upscaler.keys()],
      clip: [...byType.clip.keys()],
      nsfw: [...byType.nsfw.keys()],
    },
    release,
  };
}

/** The synthetic profile the `checking.profile` config narrows (unset keys keep the defaults). */
export function profileOf(profile: Checking['profile']): Partial<SyntheticProfile> {
  return {
    ...(profile.image_sizes
      ? {
          imageSizes: profile.image_sizes.map(
            (s) => s.split('x').map(Number) as unknown as readonly [number, number],
          ),
        }
      : {}),
    ...(profile.steps ? { steps: profile.steps } : {}),
    ...(profile.max_tokens ? { maxTokens: profile.max_tokens } : {}),
    ...(profile.temperatures ? { temperatures: profile.temperatures } : {}),
    ...(profile.max_prompt_chars ? { maxPromptChars: profile.max_prompt_chars } : {}),
    ...(profile.input_image_side ? { inputImageSide: profile.input_image_side } : {}),
  };
}
