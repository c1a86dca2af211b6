/** Test doubles of the kit: an io that records what a command printed, a logger that records lines. */
import { Writable } from 'node:stream';
import type { CliIo } from '../cli/program.js';
import { createLogger, type Logger, type LogLevel } from '../logger.js';

export interface MemoryIo extends CliIo {
  readonly stdout: string[];
  readonly stderr: string[];
}

/** A `CliIo` writing into arrays, paths from `cwd` and `home`, 80 columns, not interactive. */
export function memoryIo(
  options: {
    env?: Record<string, string | undefined>;
    cwd?: string;
    home?: string;
    columns?: number;
  } = {},
): MemoryIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    env: options.env ?? {},
    paths: { cwd: options.cwd ?? process.cwd(), home: options.home ?? '/home/operator' },
    columns: options.columns ?? 80,
    interactive: false,
  };
}

export interface CapturedLogger {
  readonly logger: Logger;
  /** Every line written so far, parsed. */
  lines(): Record<string, unknown>[];
  /** Every line written so far, as written. */
  text(): string;
}

/** The kit's real logger (redaction included) writing into memory. */
export function captureLogger(level: LogLevel = 'trace', name = 'test'): CapturedLogger {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ name, level, destination: sink });
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
