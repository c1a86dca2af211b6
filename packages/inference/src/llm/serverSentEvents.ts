/**
 * Splits a `text/event-stream` body into the `data:` payloads of its events, with the protocol's
 * bounded decoder (CRLF, multi-line data, comments; an event over its bound throws). `[DONE]`
 * comes out as it is: the OpenAI-compatible stream reader stops on it.
 */
import { SseDataDecoder, type SseDataDecoderOptions } from '@subnet/protocol';

export async function* serverSentEvents(
  body: AsyncIterable<Uint8Array>,
  options: SseDataDecoderOptions = {},
): AsyncGenerator<string> {
  const events = new SseDataDecoder(options);
  for await (const chunk of body) yield* events.push(chunk);
}
