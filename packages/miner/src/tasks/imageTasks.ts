/**
 * The image tasks (TextToImage, ImageToImage, Inpaint, ControlNet, Upscale) and ClipEmbeddings on
 * the inference package: base64 inputs are decoded (a corrupt image is 400, one over the pixel
 * limit 413), the pipeline runs with the task's seed and the handler's signal, and the answer
 * carries the PNG with what validators check: perceptual hashes always, the CLIP embedding and
 * NSFW flag when the model's entry names a `clip` / `nsfw` model (the protocol leaves both
 * optional).
 */
import type { DiffusionResult } from '@subnet/inference/diffusion';
import {
  decodeImage,
  imageBytesFromBase64,
  imageBytesToBase64,
  imageFeatures,
  type RgbImage,
} from '@subnet/inference/image';
import type { Synapse } from '@subnet/protocol';
import { INPUT_IMAGE_MAX_PIXELS } from '@subnet/protocol/tasks';
import type { TaskContext, TaskHandler } from '../axon/taskHandler';
import type { BackendOf, ModelCatalog } from './modelCatalog';
import { pickModel, type ServedModels } from './servedModels';
import { toMinerError } from './taskErrors';

export type DiffusionKind = 'TextToImage' | 'ImageToImage' | 'Inpaint' | 'ControlNet';

/** The diffusion parameters shared by every generation task. */
function baseParams(s: Synapse) {
  return {
    prompt: s.prompt as string,
    negative_prompt: (s.negative_prompt as string | undefined) ?? '',
    steps: s.steps as number,
    cfg_scale: s.cfg_scale as number,
    width: s.width as number,
    height: s.height as number,
    seed: s.seed as number,
    ...(typeof s.lora === 'string' ? { lora: s.lora } : {}),
  };
}

const bytes = (field: unknown) => imageBytesFromBase64(field as string);

async function runDiffusion(
  kind: DiffusionKind,
  backend: BackendOf<'diffusion'>,
  s: Synapse,
  ctx: TaskContext,
): Promise<DiffusionResult> {
  const p = baseParams(s);
  const control = { signal: ctx.signal };
  const { pipeline } = backend;
  switch (kind) {
    case 'TextToImage':
      return pipeline.textToImage(p, control);
    case 'ImageToImage':
      return pipeline.imageToImage(
        { ...p, init_image: bytes(s.init_image), image_strength: s.image_strength as number },
        control,
      );
    case 'Inpaint':
      return pipeline.inpaint(
        { ...p, init_image: bytes(s.init_image), mask_image: bytes(s.mask_image) },
        control,
      );
    case 'ControlNet':
      return pipeline.controlNet(
        {
          ...p,
          control_image: bytes(s.control_image),
          conditioning_scale: s.conditioning_scale as number,
        },
        control,
      );
  }
}

/** The image outputs of a synapse: PNG base64, hashes, and the optional CLIP/NSFW fields. */
async function imageOutputs(
  catalog: ModelCatalog,
  modelId: string,
  image: RgbImage,
  png: Uint8Array,
): Promise<Record<string, unknown>> {
  const entry = catalog.entry(modelId);
  const refs = entry?.type === 'diffusion' || entry?.type === 'upscaler' ? entry : undefined;
  const clipId = refs?.clip;
  const nsfwId = refs?.nsfw;
  const withNsfw = (clip?: BackendOf<'clip'>) => {
    const models = clip ? { clip: clip.clip } : {};
    return nsfwId
      ? catalog.use(nsfwId, 'nsfw', (n) => imageFeatures(image, { ...models, nsfw: n.nsfw }))
      : imageFeatures(image, models);
  };
  const features = clipId ? await catalog.use(clipId, 'clip', withNsfw) : await withNsfw();
  return { image_b64: imageBytesToBase64(png), ...features };
}

/**
 * Refuses (503) before any work when the model, or its CLIP / NSFW model, is waiting for a reload.
 */
function ensureServing(catalog: ModelCatalog, modelId: string): void {
  catalog.ensureServing(modelId);
  const entry = catalog.entry(modelId);
  if (entry?.type !== 'diffusion' && entry?.type !== 'upscaler') return;
  if (entry.clip) catalog.ensureServing(entry.clip);
  if (entry.nsfw) catalog.ensureServing(entry.nsfw);
}

async function guarded<T>(ctx: TaskContext, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toMinerError(err, ctx.signal);
  }
}

export function diffusionTaskHandler(
  kind: DiffusionKind,
  catalog: ModelCatalog,
  served: ServedModels,
): TaskHandler {
  return async (synapse, ctx) => {
    const modelId = pickModel(kind, served, synapse);
    ensureServing(catalog, modelId);
    return guarded(ctx, () =>
      catalog.use(modelId, 'diffusion', async (backend) => {
        const result = await runDiffusion(kind, backend, synapse, ctx);
        return imageOutputs(catalog, modelId, result.image, result.png);
      }),
    );
  };
}

export function upscaleTaskHandler(catalog: ModelCatalog, served: ServedModels): TaskHandler {
  return async (synapse, ctx) => {
    const modelId = pickModel('Upscale', served, synapse);
    ensureServing(catalog, modelId);
    return guarded(ctx, () =>
      catalog.use(modelId, 'upscaler', async ({ upscaler }) => {
        const result = await upscaler.upscaleBytes(bytes(synapse.image));
        return imageOutputs(catalog, modelId, result.image, result.png);
      }),
    );
  };
}

/** ClipEmbeddings: one unit-length CLIP image embedding per input image, in order. */
export function clipTaskHandler(catalog: ModelCatalog, served: ServedModels): TaskHandler {
  return async (synapse, ctx) => {
    const modelId = pickModel('ClipEmbeddings', served, synapse);
    return guarded(ctx, async () => {
      const images: RgbImage[] = [];
      for (const b64 of synapse.image_b64s as string[])
        images.push(await decodeImage(bytes(b64), { maxPixels: INPUT_IMAGE_MAX_PIXELS }));
      const embeddings = await catalog.use(modelId, 'clip', ({ clip }) => clip.embedImages(images));
      return { clip_embeddings: embeddings.map((e) => Array.from(e)) };
    });
  };
}
