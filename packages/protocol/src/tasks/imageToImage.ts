/** ImageToImage: an init image and a prompt in; `image_strength` is how far to move from the image. */
import { z } from 'zod';
import { defineSynapse, type SynapseFields, type SynapseInput } from '../synapse';
import { base64ImageField, imagePromptField, negativePromptField } from './fields';
import {
  DIFFUSION_SETTING_HASH_FIELDS,
  diffusionSettingFields,
  imageOutputFields,
} from './imageFields';
import { INPUT_IMAGE_MAX_BYTES } from './limits';

export const DEFAULT_IMAGE_STRENGTH = 0.5;

export const ImageToImage = defineSynapse({
  name: 'ImageToImage',
  fields: {
    prompt: imagePromptField(),
    negative_prompt: negativePromptField(),
    init_image: base64ImageField(INPUT_IMAGE_MAX_BYTES),
    // 0 would leave no denoising step to run; 1 ignores the init image entirely.
    image_strength: z.number().gt(0).max(1).default(DEFAULT_IMAGE_STRENGTH),
    ...diffusionSettingFields(),
    ...imageOutputFields(),
  },
  requiredHashFields: [
    'prompt',
    'negative_prompt',
    'init_image',
    'image_strength',
    ...DIFFUSION_SETTING_HASH_FIELDS,
  ],
  defaultTimeout: 20,
});
export type ImageToImageFields = SynapseFields<typeof ImageToImage>;
export type ImageToImageInput = SynapseInput<typeof ImageToImage>;
