/**
 * Errors a command reports to its operator: a stable code, what went wrong, and what to do about
 * it. Any error with a string `code` (the packages' own error classes) is reported with its code;
 * a `fix` on it, when there is one, is printed on its own line.
 */

/** Exit codes of every command: 0 done, 1 failed or refused, 2 bad usage or configuration. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface CliErrorOptions {
  /** What the operator can do about it, in one sentence. */
  readonly fix?: string;
  readonly cause?: unknown;
  /** Default 1 (failed); 2 for usage and configuration mistakes. */
  readonly exitCode?: number;
}

/** An error meant for the operator's eyes, with its code and fix. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly fix: string | undefined;
  readonly exitCode: number;

  constructor(
    readonly code: string,
    message: string,
    options: CliErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.fix = options.fix;
    this.exitCode = options.exitCode ?? EXIT.failed;
  }
}

/** A mistake in the command line: unknown flag, missing value, wrong command. Exit 2. */
export class UsageError extends CliError {
  constructor(message: string, fix?: string) {
    super('USAGE', message, { exitCode: EXIT.usage, ...(fix === undefined ? {} : { fix }) });
  }
}

export interface ReportedError {
  /** The lines to print on stderr. */
  readonly lines: readonly string[];
  readonly exitCode: number;
}

function stringField(err: unknown, key: string): string | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const v = (err as Record<string, unknown>)[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * How a command reports an error it did not handle itself: `<program>: <message> [CODE]`, the
 * fix on the next line, and the causes' messages (one line each, at most three). Errors without
 * a code are unexpected: their stack is printed too.
 */
export function reportError(program: string, err: unknown): ReportedError {
  const message = err instanceof Error ? err.message : String(err);
  const code = stringField(err, 'code');
  const lines = [`${program}: ${message}${code ? ` [${code}]` : ''}`];
  const fix = stringField(err, 'fix');
  if (fix) lines.push(`  fix: ${fix}`);
  let cause = err instanceof Error ? err.cause : undefined;
  for (let i = 0; i < 3 && cause instanceof Error; i++) {
    if (cause.message && cause.message !== message) lines.push(`  cause: ${cause.message}`);
    cause = cause.cause;
  }
  if (!code && err instanceof Error && err.stack) {
    lines.push(...err.stack.split('\n').slice(1, 8));
  }
  const exitCode =
    err instanceof CliError
      ? err.exitCode
      : typeof (err as { exitCode?: unknown })?.exitCode === 'number'
        ? (err as { exitCode: number }).exitCode
        : EXIT.failed;
  return { lines, exitCode };
}
