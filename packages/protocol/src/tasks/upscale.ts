/** Upscale: an image in, the same image at a higher resolution out (the model sets the factor). */
import { defineSynapse, type SynapseFields, type SynapseInput } from '../synapse';
import { base64ImageField, modelIdField } from './fields';
import { imageOutputFields } from './imageFields';
import { INPUT_IMAGE_MAX_BYTES } from './limits';

export const Upscale = defineSynapse({
  name: 'Upscale',
  fields: {
    // Decoded, at most UPSCALE_INPUT_MAX_PIXELS (checked where the image is decoded).
    image: base64ImageField(INPUT_IMAGE_MAX_BYTES),
    model: modelIdField(),
    ...imageOutputFields(),
  },
  requiredHashFields: ['image', 'model'],
  defaultTimeout: 20,
});
export type UpscaleFields = SynapseFields<typeof Upscale>;
export type UpscaleInput = SynapseInput<typeof Upscale>;
