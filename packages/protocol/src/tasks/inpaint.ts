/** Inpaint: an init image and a mask (white = repaint) in, with a prompt for the masked area. */
import { defineSynapse, type SynapseFields, type SynapseInput } from '../synapse';
import { base64ImageField, imagePromptField, negativePromptField } from './fields';
import {
  DIFFUSION_SETTING_HASH_FIELDS,
  diffusionSettingFields,
  imageOutputFields,
} from './imageFields';
import { INPUT_IMAGE_MAX_BYTES } from './limits';

export const Inpaint = defineSynapse({
  name: 'Inpaint',
  fields: {
    prompt: imagePromptField(),
    negative_prompt: negativePromptField(),
    init_image: base64ImageField(INPUT_IMAGE_MAX_BYTES),
    mask_image: base64ImageField(INPUT_IMAGE_MAX_BYTES),
    ...diffusionSettingFields(),
    ...imageOutputFields(),
  },
  requiredHashFields: [
    'prompt',
    'negative_prompt',
    'init_image',
    'mask_image',
    ...DIFFUSION_SETTING_HASH_FIELDS,
  ],
  defaultTimeout: 20,
});
export type InpaintFields = SynapseFields<typeof Inpaint>;
export type InpaintInput = SynapseInput<typeof Inpaint>;
