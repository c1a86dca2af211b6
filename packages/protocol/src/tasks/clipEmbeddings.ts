/** ClipEmbeddings: images in, one CLIP image embedding per image out, in the same order. */
import { z } from 'zod';
import { defineSynapse, type SynapseFields, type SynapseInput } from '../synapse';
import { base64ImageField, modelIdField } from './fields';
import { CLIP_EMBEDDING_MAX_DIMS, CLIP_IMAGES_MAX, INPUT_IMAGE_MAX_BYTES } from './limits';

export const ClipEmbeddings = defineSynapse({
  name: 'ClipEmbeddings',
  fields: {
    image_b64s: z.array(base64ImageField(INPUT_IMAGE_MAX_BYTES)).min(1).max(CLIP_IMAGES_MAX),
    model: modelIdField(),
    clip_embeddings: z
      .array(z.array(z.number()).max(CLIP_EMBEDDING_MAX_DIMS))
      .max(CLIP_IMAGES_MAX)
      .optional(),
  },
  requiredHashFields: ['image_b64s', 'model'],
});
export type ClipEmbeddingsFields = SynapseFields<typeof ClipEmbeddings>;
export type ClipEmbeddingsInput = SynapseInput<typeof ClipEmbeddings>;
