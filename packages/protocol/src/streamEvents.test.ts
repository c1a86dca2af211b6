import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors';
import { encodeStreamEvent, SseDataDecoder, StreamEventDecoder } from './streamEvents';

/** Every kind of line end, a comment, other fields, multi-line data, non-ASCII and `[DONE]`. */
const SAMPLE =
  ': hello\r\n' +
  'data: {"a":1}\r\n\r\n' +
  'event: tok\nid: 7\ndata: first\ndata:  second\n\n' +
  'data: é🙂\r\r' +
  'data: [DONE]\n\n';
/** Worked out by hand from the standard's rules: one leading space dropped, lines joined by LF. */
const SAMPLE_DATA = ['{"a":1}', 'first\n second', 'é🙂', '[DONE]'];

const decodeAll = (chunks: string[], options = {}) => {
  const decoder = new SseDataDecoder(options);
  return { data: chunks.flatMap((c) => decoder.push(c)), decoder };
};

function thrown(f: () => unknown): ProtocolError {
  try {
    f();
  } catch (e) {
    if (e instanceof ProtocolError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('SseDataDecoder', () => {
  it('reads the data of each event of the sample, whole', () => {
    const { data, decoder } = decodeAll([SAMPLE]);
    expect(data).toEqual(SAMPLE_DATA);
    expect(decoder.hasRemainder).toBe(false);
  });

  it('gives the same events however the text is split in two, at every position', () => {
    for (let cut = 0; cut <= SAMPLE.length; cut++) {
      const { data, decoder } = decodeAll([SAMPLE.slice(0, cut), SAMPLE.slice(cut)]);
      expect(data, `cut at ${cut}`).toEqual(SAMPLE_DATA);
      expect(decoder.hasRemainder).toBe(false);
    }
  });

  it('gives the same events fed one code unit at a time', () => {
    expect(decodeAll([...SAMPLE.split('')]).data).toEqual(SAMPLE_DATA);
  });

  it('reads UTF-8 bytes split at every byte position, inside a character too', () => {
    // Regression: the dendrite feeds undici's body chunks, which are bytes (its setEncoding does
    // not reach the async iterator); decoding each chunk alone broke a character cut in two.
    const bytes = new TextEncoder().encode(SAMPLE);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = new SseDataDecoder();
      const data = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
      expect(data, `cut at byte ${cut}`).toEqual(SAMPLE_DATA);
    }
  });

  it('ends lines at CRLF, LF and CR alike, also a CRLF split between two chunks', () => {
    expect(decodeAll(['data: a\r\n\r\ndata: b\n\ndata: c\r\r']).data).toEqual(['a', 'b', 'c']);
    expect(decodeAll(['data: a\r', '\n', '\r', '\ndata: b\r', '\r']).data).toEqual(['a', 'b']);
    // A CR then a LF in the next chunk is one line end, not an empty line: no event yet.
    const { data, decoder } = decodeAll(['data: a\r', '\ndata: b\r\n']);
    expect(data).toEqual([]);
    expect(decoder.push('\r\n')).toEqual(['a\nb']);
  });

  it('joins data lines with LF, keeps a second space, and reads a bare `data` as an empty line', () => {
    expect(decodeAll(['data: a\ndata:b\ndata\ndata:  c\n\n']).data).toEqual(['a\nb\n\n c']);
  });

  it('skips comments, other fields, and events without data or with empty data', () => {
    const { data, decoder } = decodeAll([
      ': keep-alive\n\n',
      ':\n',
      'event: ping\nid: 3\nretry: 10\n\n',
      'data:\n\n',
      'data: \n\n',
      ': before\ndata: x\n: between\ndata: y\n\n',
    ]);
    expect(data).toEqual(['x\ny']);
    expect(decoder.hasRemainder).toBe(false);
  });

  it('passes `[DONE]` through as its data', () => {
    expect(decodeAll(['data: {"n":1}\n\n', 'data: [DONE]\n\n']).data).toEqual([
      '{"n":1}',
      '[DONE]',
    ]);
  });

  it('has a remainder when the stream stops inside an event', () => {
    expect(decodeAll(['data: x\n']).decoder.hasRemainder).toBe(true);
    expect(decodeAll(['data: {"a"']).decoder.hasRemainder).toBe(true);
    expect(decodeAll(['data: x\n\n']).decoder.hasRemainder).toBe(false);
    expect(decodeAll(['data: x\n\n\n\n']).decoder.hasRemainder).toBe(false);
  });

  it('takes an event of exactly maxEventBytes and refuses one unit more', () => {
    const options = { maxEventBytes: 10 };
    expect(decodeAll(['data: 0123456789\n\n'], options).data).toEqual(['0123456789']);
    // 5 + the joining LF + 4 = 10.
    expect(decodeAll(['data: 01234\ndata: 5678\n\n'], options).data).toEqual(['01234\n5678']);
    const over = thrown(() => decodeAll(['data: 01234\ndata: 56789\n\n'], options));
    expect([over.code, over.message]).toEqual([
      'PROTOCOL_BAD_BODY',
      'a stream event exceeds 10 bytes',
    ]);
  });

  it('refuses an event over the bound before its line ends', () => {
    const decoder = new SseDataDecoder({ maxEventBytes: 10 });
    expect(decoder.push('data: 0123456789')).toEqual([]);
    expect(thrown(() => decoder.push('a')).message).toBe('a stream event exceeds 10 bytes');
  });

  it('bounds what it holds between chunks: an endless comment line is refused', () => {
    const decoder = new SseDataDecoder({ maxEventBytes: 10, maxBufferedBytes: 20 });
    expect(decoder.push(`:${'x'.repeat(19)}`)).toEqual([]);
    expect(thrown(() => decoder.push('x')).message).toBe(
      'a stream holds more than 20 bytes without ending an event',
    );
  });

  it('holds nothing for finished comment lines, however many', () => {
    const decoder = new SseDataDecoder({ maxEventBytes: 10, maxBufferedBytes: 20 });
    for (let i = 0; i < 100; i++) expect(decoder.push(`: ${'x'.repeat(15)}\n`)).toEqual([]);
    expect(decoder.push('data: ok\n\n')).toEqual(['ok']);
  });
});

describe('StreamEventDecoder', () => {
  it('parses the JSON of each event framed by encodeStreamEvent', () => {
    const events = [{ type: 'token', index: 0, token: 'é🙂' }, 7, 'text', null, [1, 2]];
    const decoder = new StreamEventDecoder();
    expect(decoder.push(events.map(encodeStreamEvent).join(''))).toEqual(events);
    expect(decoder.hasRemainder).toBe(false);
  });

  it('refuses an event that is not JSON ([DONE] is not one of ours)', () => {
    const e = thrown(() => new StreamEventDecoder().push('data: [DONE]\n\n'));
    expect([e.code, e.message]).toEqual(['PROTOCOL_BAD_BODY', 'a stream event is not valid JSON']);
    expect(e.cause).toBeInstanceOf(SyntaxError);
  });

  it('refuses an event over maxEventBytes with the decoder error', () => {
    const e = thrown(() =>
      new StreamEventDecoder({ maxEventBytes: 8 }).push(encodeStreamEvent('x'.repeat(7))),
    );
    expect(e.message).toBe('a stream event exceeds 8 bytes');
  });
});
