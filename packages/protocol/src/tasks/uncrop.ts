/**
 * Uncrop (outpainting): an image in, the same image on a larger canvas out, the new border painted
 * to match the prompt. Each side is extended by its own number of pixels (multiples of 8, the
 * VAE's scale, so that the original pixels sit on whole latent cells and come back unchanged);
 * the output is (width + left + right) × (height + top + bottom), both multiples of 64 like every
 * generated image (UNCROP_CANVAS_STEP). The image's size, its lack of an alpha channel and the
 * canvas's limits need the decoded header and are checked where the image is read (the inference
 * package's `checkUncrop`, by the miner and by the validator's API alike).
 */
import { z } from 'zod';
import { defineSynapse, type SynapseFields, type SynapseInput } from '../synapse';
import { base64ImageField, imagePromptField, negativePromptField } from './fields';
import {
  DIFFUSION_SETTING_HASH_FIELDS,
  diffusionSettingFields,
  imageOutputFields,
} from './imageFields';
import { INPUT_IMAGE_MAX_BYTES, UNCROP_EXTEND_MAX, UNCROP_EXTEND_STEP } from './limits';

function extendField() {
  return z
    .int()
    .min(0)
    .max(UNCROP_EXTEND_MAX)
    .multipleOf(UNCROP_EXTEND_STEP, { error: `must be a multiple of ${UNCROP_EXTEND_STEP}` })
    .default(0);
}

const { width: _width, height: _height, ...settings } = diffusionSettingFields();

/** The diffusion settings an uncrop hashes: those of the other image tasks but the size. */
const UNCROP_SETTING_HASH_FIELDS = DIFFUSION_SETTING_HASH_FIELDS.filter(
  (f) => f !== 'width' && f !== 'height',
);

export const Uncrop = defineSynapse({
  name: 'Uncrop',
  fields: {
    prompt: imagePromptField(),
    negative_prompt: negativePromptField(),
    image: base64ImageField(INPUT_IMAGE_MAX_BYTES),
    extend_left: extendField(),
    extend_right: extendField(),
    extend_top: extendField(),
    extend_bottom: extendField(),
    ...settings,
    ...imageOutputFields(),
  },
  requiredHashFields: [
    'prompt',
    'negative_prompt',
    'image',
    'extend_left',
    'extend_right',
    'extend_top',
    'extend_bottom',
    ...UNCROP_SETTING_HASH_FIELDS,
  ],
  defaultTimeout: 20,
});
export type UncropFields = SynapseFields<typeof Uncrop>;
export type UncropInput = SynapseInput<typeof Uncrop>;
