import { describe, expect, it } from 'vitest';
import { generateRequestSchema, scoreRequestSchema } from '../llm/requests';
import { generateRequestOf, scoreRequestOf, type TextFieldsByKind } from './textRequests';

const sampling = {
  max_tokens: 24,
  temperature: 0.7,
  top_p: 0.9,
  top_k: 40,
  top_logprobs: 3,
  stop: ['\n\n', 'END'],
  seed: 4_242,
};
const messages = [
  { role: 'system' as const, content: 'Answer briefly.' },
  { role: 'user' as const, content: 'Name a lighthouse.' },
];
const chat: TextFieldsByKind['Chat'] = { messages, ...sampling };
const completion: TextFieldsByKind['Completion'] = { prompt: 'Once upon a time', ...sampling };

describe('generateRequestOf', () => {
  it('maps a Chat task field by field: messages, sampling under the engine names', () => {
    expect(generateRequestOf('Chat', chat)).toStrictEqual({
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'Name a lighthouse.' },
      ],
      maxTokens: 24,
      temperature: 0.7,
      topP: 0.9,
      topK: 40,
      seed: 4_242,
      stop: ['\n\n', 'END'],
      logprobs: 3,
    });
  });

  it('maps a Completion task: the raw prompt, no messages', () => {
    expect(generateRequestOf('Completion', completion)).toStrictEqual({
      prompt: 'Once upon a time',
      maxTokens: 24,
      temperature: 0.7,
      topP: 0.9,
      topK: 40,
      seed: 4_242,
      stop: ['\n\n', 'END'],
      logprobs: 3,
    });
  });

  it('lora becomes adapter; without lora there is no adapter key', () => {
    expect(generateRequestOf('Completion', { ...completion, lora: 'pirate' }).adapter).toBe(
      'pirate',
    );
    expect(generateRequestOf('Chat', { ...chat, lora: 'pirate' }).adapter).toBe('pirate');
    expect('adapter' in generateRequestOf('Chat', chat)).toBe(false);
    expect('adapter' in generateRequestOf('Completion', { ...completion, lora: undefined })).toBe(
      false,
    );
  });

  it('copies stop: the request does not share the task array', () => {
    const req = generateRequestOf('Chat', chat);
    expect(req.stop).toEqual(chat.stop);
    expect(req.stop).not.toBe(chat.stop);
  });

  it('top_logprobs 0 is logprobs 0, and every request is one the engine accepts', () => {
    const req = generateRequestOf('Completion', { ...completion, top_logprobs: 0, stop: [] });
    expect(req.logprobs).toBe(0);
    expect(req.stop).toEqual([]);
    expect(generateRequestSchema.parse(req)).toStrictEqual({
      prompt: 'Once upon a time',
      maxTokens: 24,
      temperature: 0.7,
      topP: 0.9,
      topK: 40,
      seed: 4_242,
      stop: [],
      logprobs: 0,
    });
    expect(generateRequestSchema.safeParse(generateRequestOf('Chat', chat)).success).toBe(true);
  });
});

describe('scoreRequestOf', () => {
  it('shares the prompt part and adapter with the generate request', () => {
    const scored = { completionTokenIds: [5, 17, 2], topK: 20 };
    expect(scoreRequestOf('Chat', { ...chat, lora: 'pirate' }, scored)).toStrictEqual({
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'Name a lighthouse.' },
      ],
      adapter: 'pirate',
      completionTokenIds: [5, 17, 2],
      topK: 20,
    });
    expect(scoreRequestOf('Completion', completion, scored)).toStrictEqual({
      prompt: 'Once upon a time',
      completionTokenIds: [5, 17, 2],
      topK: 20,
    });
  });

  it('copies the token ids and is a request the engine accepts', () => {
    const ids = [9, 8];
    const req = scoreRequestOf('Completion', completion, { completionTokenIds: ids, topK: 5 });
    expect(req.completionTokenIds).not.toBe(ids);
    expect(scoreRequestSchema.safeParse(req).success).toBe(true);
  });
});
