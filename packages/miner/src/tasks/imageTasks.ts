/**
 * The image tasks (TextToImage, ImageToImage, Inpaint, ControlNet, Upscale) and ClipEmbeddings on
 * the inference package: base64 inputs are decoded (a corrupt image is 400, one over the pixel
 * limit 413), the pipeline runs with the task's seed and the handler's signal, and the answer
 * carries the PNG with what validators check: perceptual hashes always, the CLIP embedding and
 * NSFW flag when the model's entry names a `clip` / `nsfw` model (the protocol leaves both
 * optional).
 */
import { imageBytesToBase64, imageFeatures, type RgbImage } from '@subnet/inference/image';
import {
  clipImagesOf,
  type DiffusionKind,
  runDiffusionTask,
  taskFields,
  upscaleInputOf,
} from '@subnet/inference/tasks';
import type { TaskContext, TaskHandler } from '../axon/taskHandler';
import type { BackendOf, ModelCatalog } from './modelCatalog';
import { pickModel, type ServedModels } from './servedModels';
import { toMinerError } from './taskErrors';

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
    const fields = taskFields(kind, synapse);
    const modelId = pickModel(kind, served, synapse);
    ensureServing(catalog, modelId);
    return guarded(ctx, () =>
      catalog.use(modelId, 'diffusion', async ({ pipeline }) => {
        const result = await runDiffusionTask(pipeline, kind, fields, { signal: ctx.signal });
        return imageOutputs(catalog, modelId, result.image, result.png);
      }),
    );
  };
}

export function upscaleTaskHandler(catalog: ModelCatalog, served: ServedModels): TaskHandler {
  return async (synapse, ctx) => {
    const fields = taskFields('Upscale', synapse);
    const modelId = pickModel('Upscale', served, synapse);
    ensureServing(catalog, modelId);
    return guarded(ctx, () =>
      catalog.use(modelId, 'upscaler', async ({ upscaler }) => {
        const result = await upscaler.upscaleBytes(upscaleInputOf(fields));
        return imageOutputs(catalog, modelId, result.image, result.png);
      }),
    );
  };
}

/** ClipEmbeddings: one unit-length CLIP image embedding per input image, in order. */
export function clipTaskHandler(catalog: ModelCatalog, served: ServedModels): TaskHandler {
  return async (synapse, ctx) => {
    const fields = taskFields('ClipEmbeddings', synapse);
    const modelId = pickModel('ClipEmbeddings', served, synapse);
    return guarded(ctx, async () => {
      const images = await clipImagesOf(fields);
      const embeddings = await catalog.use(modelId, 'clip', ({ clip }) => clip.embedImages(images));
      return { clip_embeddings: embeddings.map((e) => Array.from(e)) };
    });
  };
}
