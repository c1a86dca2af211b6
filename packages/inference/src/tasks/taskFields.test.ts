import { createSynapse, ProtocolErrorCode } from '@subnet/protocol';
import { Completion, TextToImage } from '@subnet/protocol/tasks';
import { describe, expect, it } from 'vitest';
import { taskFields } from './taskFields';

describe('taskFields', () => {
  it("applies the synapse's defaults to a stored input", () => {
    expect(taskFields('Completion', { prompt: 'Hi', seed: 7, model: 'tiny' })).toStrictEqual({
      prompt: 'Hi',
      max_tokens: 500,
      temperature: 0.5,
      top_p: 1,
      top_k: 0,
      top_logprobs: 5,
      stop: [],
      seed: 7,
      model: 'tiny',
    });
  });

  it('reads a parsed synapse as its own fields, unchanged, base fields dropped', () => {
    const synapse = createSynapse(TextToImage, {
      prompt: 'a red boat',
      seed: 3,
      model: 'sd',
      lora: 'ink',
      width: 512,
    });
    const fields = taskFields('TextToImage', synapse);
    expect(fields).toStrictEqual({
      prompt: 'a red boat',
      steps: 10,
      cfg_scale: 3,
      width: 512,
      height: 1024,
      seed: 3,
      model: 'sd',
      lora: 'ink',
    });
    expect(taskFields('TextToImage', fields)).toStrictEqual(fields);
    expect(
      taskFields('Completion', createSynapse(Completion, { prompt: 'x', seed: 1, model: 'm' })),
    ).toMatchObject({ prompt: 'x', seed: 1 });
  });

  it('refuses a malformed task, naming the field: no undefined reaches a request', () => {
    let caught: unknown;
    try {
      taskFields('TextToImage', { prompt: 'a boat', model: 'sd' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({
      code: ProtocolErrorCode.InvalidSynapse,
      message: expect.stringMatching(/^invalid TextToImage: seed: /),
    });
    expect(() => taskFields('Chat', { prompt: 'not a chat', seed: 1, model: 'm' })).toThrow(
      /^invalid Chat: messages: /,
    );
  });
});
