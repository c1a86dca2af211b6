/**
 * The framing of streamed synapse answers (`text/event-stream`): each event is one JSON value on a
 * `data:` line followed by a blank line. The event's meaning belongs to the synapse (e.g. a Chat
 * token with its logprobs); this module only frames and unframes.
 */
import { ProtocolError, ProtocolErrorCode } from './errors';

export function encodeStreamEvent(event: unknown): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}

/** Incremental decoder: feed it text chunks as they arrive, get back whole events. */
export class StreamEventDecoder {
  #buffer = '';
  readonly #maxEventBytes: number;

  constructor(options: { maxEventBytes?: number } = {}) {
    this.#maxEventBytes = options.maxEventBytes ?? 8 * 1024 * 1024;
  }

  push(chunk: string): unknown[] {
    this.#buffer += chunk;
    const events: unknown[] = [];
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end < 0) break;
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
        .join('\n');
      if (data === '') continue;
      try {
        events.push(JSON.parse(data));
      } catch (cause) {
        throw new ProtocolError(ProtocolErrorCode.BadBody, 'a stream event is not valid JSON', {
          cause,
        });
      }
    }
    if (this.#buffer.length > this.#maxEventBytes) {
      throw new ProtocolError(
        ProtocolErrorCode.BadBody,
        `a stream event exceeds ${this.#maxEventBytes} bytes`,
      );
    }
    return events;
  }

  /** Call at the end of the stream: true if a partial event was left over. */
  get hasRemainder(): boolean {
    return this.#buffer.trim().length > 0;
  }
}
