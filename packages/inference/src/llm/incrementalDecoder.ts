/**
 * Turns generated token ids into text pieces without re-decoding the whole generation at each
 * step: it decodes a short window that starts a few tokens back (so merges and a decoder's
 * leading-space rule see the same context both times) and emits the difference, holding back
 * text that ends in an incomplete UTF-8 character (decoded as U+FFFD).
 */
export class IncrementalDecoder {
  private readonly ids: number[] = [];
  private prefixOffset = 0;
  private readOffset = 0;
  private emitted = '';

  constructor(private readonly decode: (ids: readonly number[]) => string) {}

  /** Adds a token; returns the text it completes (possibly ''). */
  push(tokenId: number): string {
    this.ids.push(tokenId);
    const prefixText = this.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const newText = this.decode(this.ids.slice(this.prefixOffset));
    if (newText.length <= prefixText.length || newText.endsWith('\uFFFD')) return '';
    const piece = newText.slice(prefixText.length);
    this.prefixOffset = this.readOffset;
    this.readOffset = this.ids.length;
    this.emitted += piece;
    return piece;
  }

  /** The text held back so far (an unfinished character at the end of the generation). */
  flush(): string {
    const prefixText = this.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const newText = this.decode(this.ids.slice(this.prefixOffset));
    const piece = newText.length > prefixText.length ? newText.slice(prefixText.length) : '';
    this.prefixOffset = this.readOffset = this.ids.length;
    this.emitted += piece;
    return piece;
  }

  /** All text emitted so far. */
  get text(): string {
    return this.emitted;
  }
}
