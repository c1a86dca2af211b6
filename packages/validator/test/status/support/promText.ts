/** Samples of one metric family from Prometheus text: `{ 'name{labels}': value }`. */
export function samples(text: string, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.length === 0) continue;
    const space = line.lastIndexOf(' ');
    const key = line.slice(0, space);
    if (key === name || key.startsWith(`${name}{`)) out[key] = Number(line.slice(space + 1));
  }
  return out;
}
