/** TextToImage: a prompt in, an image out. */
import { defineSynapse, type SynapseFields, type SynapseInput } from '../synapse';
import { imagePromptField, negativePromptField } from './fields';
import {
  DIFFUSION_SETTING_HASH_FIELDS,
  diffusionSettingFields,
  imageOutputFields,
} from './imageFields';

export const TextToImage = defineSynapse({
  name: 'TextToImage',
  fields: {
    prompt: imagePromptField(),
    negative_prompt: negativePromptField(),
    ...diffusionSettingFields(),
    ...imageOutputFields(),
  },
  requiredHashFields: ['prompt', 'negative_prompt', ...DIFFUSION_SETTING_HASH_FIELDS],
  defaultTimeout: 20,
});
export type TextToImageFields = SynapseFields<typeof TextToImage>;
export type TextToImageInput = SynapseInput<typeof TextToImage>;
