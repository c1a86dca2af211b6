import type { ClipEmbedder } from './clipEmbedder';
import { type ImageHashes, imageHashes } from './imageHashes';
import type { NsfwClassifier } from './nsfwClassifier';
import type { RgbImage } from './rgbImage';

/** What a miner reports with an image and a validator recomputes (the protocol's image outputs). */
export interface ImageFeatures {
  image_hashes: ImageHashes;
  /** Unit-length CLIP image embedding, when a CLIP model is configured. */
  clip_embedding?: number[];
  /** The NSFW flag, when a classifier is configured. */
  is_nsfw?: boolean;
}

export async function imageFeatures(
  image: RgbImage,
  models: { clip?: ClipEmbedder; nsfw?: NsfwClassifier } = {},
): Promise<ImageFeatures> {
  const features: ImageFeatures = { image_hashes: imageHashes(image) };
  if (models.clip) {
    const [embedding] = await models.clip.embedImages([image]);
    if (embedding) features.clip_embedding = Array.from(embedding);
  }
  if (models.nsfw) features.is_nsfw = (await models.nsfw.classify(image)).nsfw;
  return features;
}
