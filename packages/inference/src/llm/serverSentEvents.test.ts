import { describe, expect, it } from 'vitest';
import { serverSentEvents } from './serverSentEvents';

/** An OpenAI-compatible stream as vLLM frames it (CRLF here), with a comment and a 4-byte char. */
const WIRE = new TextEncoder().encode(
  ': ping\r\n\r\n' +
    'data: {"choices":[{"text":"🙂"}]}\r\n\r\n' +
    'data: {"choices":[{"text":"!","finish_reason":"stop"}]}\r\n\r\n' +
    'data: [DONE]\r\n\r\n',
);
const DATA = [
  '{"choices":[{"text":"🙂"}]}',
  '{"choices":[{"text":"!","finish_reason":"stop"}]}',
  '[DONE]',
];

async function collect(chunks: Uint8Array[], maxEventBytes?: number): Promise<string[]> {
  const out: string[] = [];
  const options = maxEventBytes === undefined ? {} : { maxEventBytes };
  for await (const data of serverSentEvents(
    (async function* () {
      yield* chunks;
    })(),
    options,
  ))
    out.push(data);
  return out;
}

describe('serverSentEvents', () => {
  it('yields the data of each event, `[DONE]` included, however the bytes are split', async () => {
    for (let cut = 0; cut <= WIRE.length; cut++) {
      expect(await collect([WIRE.subarray(0, cut), WIRE.subarray(cut)]), `cut at ${cut}`).toEqual(
        DATA,
      );
    }
  });

  it('throws for an event over its bound', async () => {
    await expect(collect([WIRE], 30)).rejects.toThrow('a stream event exceeds 30 bytes');
  });
});
