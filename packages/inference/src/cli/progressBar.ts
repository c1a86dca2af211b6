export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * A one-line download progress bar. On a terminal it redraws in place at most every 100 ms;
 * elsewhere (logs, CI) it prints one line at start and one at the end.
 */
export function createProgressBar(
  out: ProgressOutput,
  label: string,
  now: () => number = Date.now,
) {
  const started = now();
  let lastDraw = Number.NEGATIVE_INFINITY;
  let startBytes: number | undefined;
  let done = false;
  const render = (received: number, total: number): string => {
    const fraction = total > 0 ? received / total : 1;
    const width = 24;
    const filled = Math.round(fraction * width);
    const seconds = Math.max((now() - started) / 1000, 0.001);
    const rate = (received - (startBytes ?? 0)) / seconds;
    return `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(1).padStart(5)}% ${formatBytes(received)}/${formatBytes(total)} ${formatBytes(rate)}/s`;
  };
  return {
    update(received: number, total: number): void {
      if (done) return;
      if (startBytes === undefined) {
        startBytes = received;
        if (!out.isTTY)
          out.write(
            `${label}: ${received > 0 ? `resuming at ${formatBytes(received)} of` : 'downloading'} ${formatBytes(total)}\n`,
          );
      }
      const finished = received >= total;
      if (out.isTTY && (finished || now() - lastDraw >= 100)) {
        lastDraw = now();
        out.write(`\r${render(received, total)}`);
      }
      if (finished) {
        done = true;
        out.write(out.isTTY ? '\n' : `${render(received, total)}\n`);
      }
    },
  };
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
