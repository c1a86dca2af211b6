/** Text wrapped at words for a terminal: no word is ever split across lines. */

/**
 * `text` wrapped to `width` columns, each line after the first (and the first, unless
 * `firstIndent` is given) indented by `indent` spaces. Paragraphs (blank-line separated) and
 * explicit line breaks are kept; a word longer than the room stays whole on its own line.
 */
export function wrapText(
  text: string,
  width: number,
  indent = 0,
  firstIndent: number = indent,
): string {
  const lines: string[] = [];
  const pad = ' '.repeat(indent);
  let first = true;
  for (const source of text.split('\n')) {
    const lead = first ? ' '.repeat(firstIndent) : pad;
    first = false;
    // Keep a source line's own leading spaces (lists, aligned examples).
    const own = /^ */.exec(source)?.[0] ?? '';
    const words = source.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) {
      lines.push('');
      continue;
    }
    let line = lead + own;
    let empty = true;
    for (const word of words) {
      if (empty) {
        line += word;
        empty = false;
      } else if (line.length + 1 + word.length <= width) {
        line += ` ${word}`;
      } else {
        lines.push(line);
        line = pad + own + word;
      }
    }
    lines.push(line);
  }
  return lines.join('\n');
}

/**
 * Two columns: each `left` padded to a common width (at most `maxLeft`), its `right` wrapped in
 * the rest. A `left` wider than `maxLeft` puts its `right` on the next line.
 */
export function twoColumns(
  rows: readonly (readonly [string, string])[],
  width: number,
  options: { indent?: number; maxLeft?: number } = {},
): string {
  const indent = options.indent ?? 2;
  const maxLeft = options.maxLeft ?? 30;
  const leftWidth = Math.min(maxLeft, Math.max(0, ...rows.map(([l]) => l.length)));
  const col = indent + leftWidth + 2;
  return rows
    .map(([left, right]) => {
      const head = ' '.repeat(indent) + left;
      if (right === '') return head;
      if (left.length > leftWidth) return `${head}\n${wrapText(right, width, col)}`;
      return `${head.padEnd(col)}${wrapText(right, width, col).slice(col)}`;
    })
    .join('\n');
}
