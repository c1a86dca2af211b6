/**
 * Turns the growing decoded text of a generation into streamed pieces: a piece is released
 * only once it cannot be part of a stop sequence and does not end in a partial UTF-8 character
 * (which decodes to U+FFFD). When a stop sequence appears, the text ends just before it.
 */
export class StreamedText {
  private released = 0;
  private finalText: string | undefined;

  constructor(private readonly stops: readonly string[]) {}

  /** Feeds the full text decoded so far; returns the newly released piece. */
  update(fullText: string): { piece: string; stopped: boolean } {
    if (this.finalText !== undefined) return { piece: '', stopped: true };
    let stopAt = -1;
    for (const stop of this.stops) {
      const at = fullText.indexOf(stop, Math.max(0, this.released - stop.length + 1));
      if (at >= 0 && (stopAt < 0 || at < stopAt)) stopAt = at;
    }
    if (stopAt >= 0) {
      this.finalText = fullText.slice(0, stopAt);
      return { piece: this.take(this.finalText, this.finalText.length), stopped: true };
    }
    let safe = fullText.length;
    while (safe > this.released && fullText.charCodeAt(safe - 1) === 0xfffd) safe--;
    for (const stop of this.stops) {
      for (let keep = Math.min(stop.length - 1, safe - this.released); keep > 0; keep--) {
        if (fullText.slice(safe - keep, safe) === stop.slice(0, keep)) {
          safe -= keep;
          break;
        }
      }
    }
    return { piece: this.take(fullText, safe), stopped: false };
  }

  /** Releases whatever is held back (end of generation without a stop sequence). */
  flush(fullText: string): string {
    if (this.finalText !== undefined) return '';
    this.finalText = fullText;
    return this.take(fullText, fullText.length);
  }

  get text(): string | undefined {
    return this.finalText;
  }

  private take(text: string, end: number): string {
    if (end <= this.released) return '';
    const piece = text.slice(this.released, end);
    this.released = end;
    return piece;
  }
}
