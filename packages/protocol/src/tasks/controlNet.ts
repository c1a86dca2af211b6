/**
 * ControlNet: a control image (a scribble: light strokes on dark) guides the layout of the image the
 * prompt describes; `conditioning_scale` is how strongly.
 */
import { z } from 'zod';
import { defineSynapse, type SynapseFields, type SynapseInput } from '../synapse';
import { base64ImageField, imagePromptField, negativePromptField } from './fields';
import {
  DIFFUSION_SETTING_HASH_FIELDS,
  diffusionSettingFields,
  imageOutputFields,
} from './imageFields';
import { CONDITIONING_SCALE_MAX, INPUT_IMAGE_MAX_BYTES } from './limits';

/** The kinds of control image served; a new kind is a new value here and a new model on miners. */
export const CONTROL_TYPES = ['scribble'] as const;
export type ControlType = (typeof CONTROL_TYPES)[number];
export const DEFAULT_CONDITIONING_SCALE = 1.0;

export const ControlNet = defineSynapse({
  name: 'ControlNet',
  fields: {
    prompt: imagePromptField(),
    negative_prompt: negativePromptField(),
    control_image: base64ImageField(INPUT_IMAGE_MAX_BYTES),
    control_type: z.enum(CONTROL_TYPES).default('scribble'),
    conditioning_scale: z
      .number()
      .min(0)
      .max(CONDITIONING_SCALE_MAX)
      .default(DEFAULT_CONDITIONING_SCALE),
    ...diffusionSettingFields(),
    ...imageOutputFields(),
  },
  requiredHashFields: [
    'prompt',
    'negative_prompt',
    'control_image',
    'control_type',
    'conditioning_scale',
    ...DIFFUSION_SETTING_HASH_FIELDS,
  ],
  defaultTimeout: 20,
});
export type ControlNetFields = SynapseFields<typeof ControlNet>;
export type ControlNetInput = SynapseInput<typeof ControlNet>;
