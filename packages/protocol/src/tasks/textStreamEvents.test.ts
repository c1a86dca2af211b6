import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors';
import { encodeStreamEvent, StreamEventDecoder } from '../streamEvents';
import { foldTextStream, parseTextStreamEvent, type TextStreamEvent } from './textStreamEvents';

const EVENTS: TextStreamEvent[] = [
  {
    type: 'token',
    index: 0,
    token: 'Seven',
    token_id: 85_113,
    logprob: -0.25,
    top_logprobs: [
      { token: 'Seven', logprob: -0.25 },
      { token: 'Two', logprob: -1.5 },
    ],
  },
  { type: 'token', index: 1, token: ' é🙂', logprob: -1e-5, top_logprobs: [] },
  { type: 'token', index: 2, token: '.', logprob: 0, top_logprobs: [{ token: '.', logprob: 0 }] },
  { type: 'done', finish_reason: 'stop', prompt_tokens: 12, completion_tokens: 3 },
];

describe('Chat/Completion stream events', () => {
  it('survive framing split at every byte boundary and fold into the outputs', () => {
    const wire = EVENTS.map(encodeStreamEvent).join('');
    for (let cut = 1; cut < wire.length; cut += 7) {
      const decoder = new StreamEventDecoder();
      const got = [...decoder.push(wire.slice(0, cut)), ...decoder.push(wire.slice(cut))];
      expect(got).toEqual(EVENTS);
      expect(decoder.hasRemainder).toBe(false);
    }
    expect(foldTextStream(EVENTS)).toStrictEqual({
      text: 'Seven é🙂.',
      token_logprobs: [
        {
          token: 'Seven',
          logprob: -0.25,
          top_logprobs: [
            { token: 'Seven', logprob: -0.25 },
            { token: 'Two', logprob: -1.5 },
          ],
          token_id: 85_113,
        },
        { token: ' é🙂', logprob: -1e-5, top_logprobs: [] },
        { token: '.', logprob: 0, top_logprobs: [{ token: '.', logprob: 0 }] },
      ],
      finish_reason: 'stop',
      error: null,
    });
  });

  it('a stream cut off before done has no finish reason', () => {
    const r = foldTextStream(EVENTS.slice(0, 2));
    expect([r.text, r.finish_reason, r.error]).toEqual(['Seven é🙂', null, null]);
  });

  it("keeps the miner's error message", () => {
    const r = foldTextStream([EVENTS[0], { type: 'error', message: 'out of memory' }]);
    expect([r.text, r.finish_reason, r.error]).toEqual(['Seven', null, 'out of memory']);
  });

  it.each([
    ['a lost token', [EVENTS[0], EVENTS[2]], 'token event 2 came where 1 was due'],
    ['a repeated token', [EVENTS[0], EVENTS[0]], 'token event 0 came where 1 was due'],
    ['a token after done', [...EVENTS, EVENTS[0]], "a 'token' event came after the stream ended"],
    [
      'a wrong token count',
      [
        EVENTS[0],
        { type: 'done', finish_reason: 'length', prompt_tokens: 1, completion_tokens: 2 },
      ],
      'the done event counts 2 tokens, the stream had 1',
    ],
  ])('refuses %s', (_, events, message) => {
    expect(() => foldTextStream(events)).toThrow(new ProtocolError('PROTOCOL_BAD_BODY', message));
  });

  it.each([
    [
      { type: 'token', index: 0, token: 'a', logprob: 0.5, top_logprobs: [] },
      'logprob: Too big: expected number to be <=0',
    ],
    [
      { type: 'token', index: -1, token: 'a', logprob: 0, top_logprobs: [] },
      'index: Too small: expected number to be >=0',
    ],
    [
      {
        type: 'token',
        index: 0,
        token: 'a',
        logprob: 0,
        top_logprobs: Array(21).fill({ token: 'b', logprob: -1 }),
      },
      'top_logprobs: Too big: expected array to have <=20 items',
    ],
    [
      { type: 'token', index: 0, token: 'a', logprob: 0 },
      'top_logprobs: Invalid input: expected array, received undefined',
    ],
    [
      { type: 'done', finish_reason: 'eos', prompt_tokens: 1, completion_tokens: 1 },
      'finish_reason: Invalid option',
    ],
    [{ type: 'ping' }, "type: Invalid discriminator value. Expected 'token' | 'done' | 'error'"],
    ['text', '(root): Invalid input'],
  ])('names the bad field of %j', (event, message) => {
    let thrown: unknown;
    try {
      parseTextStreamEvent(event);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ProtocolError);
    expect((thrown as ProtocolError).code).toBe('PROTOCOL_BAD_BODY');
    expect((thrown as ProtocolError).message.startsWith(`invalid stream event: ${message}`)).toBe(
      true,
    );
  });
});
