/**
 * A logger for the e2e suites that keeps its lines in memory and prints them (to stderr) only
 * when a test of the file fails: a passing run prints nothing but the reporter, a failing one
 * shows what the daemons said up to the failure.
 */
import type { Logger, LogLevel } from '@subnet/kit';
import { captureLogger } from '@subnet/kit/testing';
import { afterEach } from 'vitest';

export function logsOnFailure(level: LogLevel = 'warn'): Logger {
  const captured = captureLogger(level, 'e2e');
  let printed = 0;
  afterEach(({ task }) => {
    if (task.result?.state !== 'fail') return;
    const text = captured.text();
    process.stderr.write(`--- daemon log lines up to "${task.name}" ---\n${text.slice(printed)}`);
    printed = text.length;
  });
  return captured.logger;
}
