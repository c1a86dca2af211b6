/**
 * Small synapses that mirror the SDK's own examples, for wire tests and interop: `Dummy` (an int
 * in, an int out) and `Prompting` (chat roles and messages in, a completion out).
 */
import { z } from 'zod';
import { defineSynapse } from '../synapse';

export const Dummy = defineSynapse({
  name: 'Dummy',
  fields: {
    dummy_input: z.int(),
    dummy_output: z.int().optional(),
  },
  requiredHashFields: ['dummy_input'],
});

export const Prompting = defineSynapse({
  name: 'Prompting',
  fields: {
    roles: z.array(z.string()),
    messages: z.array(z.string()),
    completion: z.string().optional(),
  },
  requiredHashFields: ['roles', 'messages'],
});
