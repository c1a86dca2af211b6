/**
 * The framing of streamed answers (`text/event-stream`). Ours carry one JSON value per event, on a
 * `data:` line followed by a blank line; the event's meaning belongs to the synapse (e.g. a Chat
 * token with its logprobs). OpenAI-compatible servers frame their chunks the same way and end with
 * `data: [DONE]`. This module only frames and unframes.
 *
 * `SseDataDecoder` reads the `data` of each event as the HTML standard's event-stream parser does:
 * lines end with CRLF, LF or CR (also when a chunk ends between CR and LF); a line starting with
 * `:` is a comment; `data:value` (one leading space dropped) appends a line to the event's data;
 * other fields (`event`, `id`, `retry`) are ignored; a blank line ends the event. An event with no
 * data, or empty data, is not reported (no caller has a use for it).
 *
 * Its memory is bounded whatever the peer sends, counted in UTF-16 code units of the decoded text
 * (bytes, for ASCII): the data of one event (`maxEventBytes`), and all it holds between two chunks,
 * the data of the event in progress and the unfinished line (`maxBufferedBytes`). Past either it
 * throws, and the stream should be dropped.
 */
import { ProtocolError, ProtocolErrorCode } from './errors';

export function encodeStreamEvent(event: unknown): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}

export interface SseDataDecoderOptions {
  /** Largest data of one event (default 8 MiB). */
  maxEventBytes?: number;
  /** Most text held between two chunks (default `maxEventBytes` + 64 KiB). */
  maxBufferedBytes?: number;
}

const DEFAULT_MAX_EVENT_BYTES = 8 * 1024 * 1024;
/** Room beyond one full event for its `data: ` prefixes and a line of another field. */
const FRAMING_ROOM = 64 * 1024;

/**
 * Incremental decoder: feed it chunks as they arrive, text or UTF-8 bytes (not both in one stream),
 * and get back the data of whole events.
 */
export class SseDataDecoder {
  readonly #maxEventBytes: number;
  readonly #maxBufferedBytes: number;
  readonly #lineEnd = /[\r\n]/g;
  /** For chunks of bytes: a UTF-8 character split between two chunks is kept whole. */
  readonly #utf8 = new TextDecoder();
  /** The unfinished last line. */
  #line = '';
  /** The last chunk ended with CR: a LF starting the next one belongs to that line end. */
  #afterCr = false;
  /** Data lines of the event in progress, and their size joined by LF. */
  #data: string[] = [];
  #dataSize = 0;

  constructor(options: SseDataDecoderOptions = {}) {
    this.#maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? this.#maxEventBytes + FRAMING_ROOM;
  }

  /** The data of each event the chunk (text, or UTF-8 bytes) completes, in order. */
  push(input: string | Uint8Array): string[] {
    const chunk = typeof input === 'string' ? input : this.#utf8.decode(input, { stream: true });
    const out: string[] = [];
    let start = 0;
    if (this.#afterCr) {
      this.#afterCr = false;
      if (chunk.startsWith('\n')) start = 1;
    }
    this.#lineEnd.lastIndex = start;
    for (let m = this.#lineEnd.exec(chunk); m; m = this.#lineEnd.exec(chunk)) {
      const end = m.index;
      const line =
        this.#line === '' ? chunk.slice(start, end) : this.#line + chunk.slice(start, end);
      this.#line = '';
      this.#takeLine(line, out);
      start = end + 1;
      if (chunk[end] === '\r') {
        if (start === chunk.length) this.#afterCr = true;
        else if (chunk[start] === '\n') start++;
      }
      this.#lineEnd.lastIndex = start;
    }
    if (start < chunk.length) this.#line += chunk.slice(start);
    this.#checkHeld();
    return out;
  }

  /** True when the stream stopped inside an event: data without its blank line, or half a line. */
  get hasRemainder(): boolean {
    return this.#data.length > 0 || this.#line.trim().length > 0;
  }

  #takeLine(line: string, out: string[]): void {
    if (line === '') {
      this.#dispatch(out);
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    this.#dataSize += (this.#data.length > 0 ? 1 : 0) + value.length;
    this.#data.push(value);
    if (this.#dataSize > this.#maxEventBytes) throw this.#eventTooLarge();
  }

  #dispatch(out: string[]): void {
    if (this.#data.length === 0) return;
    const data = this.#data.length === 1 ? (this.#data[0] as string) : this.#data.join('\n');
    this.#data = [];
    this.#dataSize = 0;
    if (data !== '') out.push(data);
  }

  #checkHeld(): void {
    const line = this.#line;
    if (line.startsWith('data:')) {
      const pending = line.length - (line.startsWith('data: ') ? 6 : 5);
      const joined = this.#dataSize + (this.#data.length > 0 ? 1 : 0) + pending;
      if (joined > this.#maxEventBytes) throw this.#eventTooLarge();
    }
    if (this.#dataSize + line.length > this.#maxBufferedBytes) {
      throw new ProtocolError(
        ProtocolErrorCode.BadBody,
        `a stream holds more than ${this.#maxBufferedBytes} bytes without ending an event`,
      );
    }
  }

  #eventTooLarge(): ProtocolError {
    return new ProtocolError(
      ProtocolErrorCode.BadBody,
      `a stream event exceeds ${this.#maxEventBytes} bytes`,
    );
  }
}

/** Our streamed answers: the JSON value of each event. */
export class StreamEventDecoder {
  readonly #data: SseDataDecoder;

  constructor(options: SseDataDecoderOptions = {}) {
    this.#data = new SseDataDecoder(options);
  }

  /** The JSON value of each event the chunk (text, or UTF-8 bytes) completes, in order. */
  push(chunk: string | Uint8Array): unknown[] {
    return this.#data.push(chunk).map((data) => {
      try {
        return JSON.parse(data) as unknown;
      } catch (cause) {
        throw new ProtocolError(ProtocolErrorCode.BadBody, 'a stream event is not valid JSON', {
          cause,
        });
      }
    });
  }

  /** Call at the end of the stream: true if a partial event was left over. */
  get hasRemainder(): boolean {
    return this.#data.hasRemainder;
  }
}
