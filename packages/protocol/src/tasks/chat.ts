/** Chat: messages with roles in, a streamed answer out (see `textStreamEvents.ts`). */
import { z } from 'zod';
import { defineSynapse, type SynapseFields, type SynapseInput } from '../synapse';
import { CHAT_MESSAGES_MAX, LLM_TEXT_MAX_CHARS } from './limits';
import { SAMPLING_HASH_FIELDS, samplingFields, textOutputFields } from './textFields';

export const CHAT_ROLES = ['system', 'user', 'assistant'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];

export const chatMessageSchema = z.object({
  role: z.enum(CHAT_ROLES),
  content: z.string().max(LLM_TEXT_MAX_CHARS),
});
export type ChatMessage = z.output<typeof chatMessageSchema>;

export const Chat = defineSynapse({
  name: 'Chat',
  fields: {
    messages: z.array(chatMessageSchema).min(1).max(CHAT_MESSAGES_MAX),
    ...samplingFields(),
    ...textOutputFields(),
  },
  requiredHashFields: ['messages', ...SAMPLING_HASH_FIELDS],
  streaming: true,
  defaultTimeout: 30,
});
export type ChatFields = SynapseFields<typeof Chat>;
export type ChatInput = SynapseInput<typeof Chat>;
