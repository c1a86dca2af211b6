/** Completion: a raw prompt in, its continuation streamed out, like Chat without the template. */
import { z } from 'zod';
import { defineSynapse, type SynapseFields, type SynapseInput } from '../synapse';
import { LLM_TEXT_MAX_CHARS } from './limits';
import { SAMPLING_HASH_FIELDS, samplingFields, textOutputFields } from './textFields';

export const Completion = defineSynapse({
  name: 'Completion',
  fields: {
    prompt: z.string().min(1, { error: 'must not be empty' }).max(LLM_TEXT_MAX_CHARS),
    ...samplingFields(),
    ...textOutputFields(),
  },
  requiredHashFields: ['prompt', ...SAMPLING_HASH_FIELDS],
  streaming: true,
  defaultTimeout: 30,
});
export type CompletionFields = SynapseFields<typeof Completion>;
export type CompletionInput = SynapseInput<typeof Completion>;
