/** The deadlines in force for a call: defaults filled in, each capped at the total. */
import { describe, expect, it } from 'vitest';
import { resolveDeadlines } from './callGuard';

describe('resolveDeadlines', () => {
  it('a 30 s stream: connect 5 s, headers and total 30 s, 15 s between events', () => {
    expect(resolveDeadlines(30, undefined, true)).toEqual({
      totalMs: 30_000,
      connectMs: 5_000,
      firstByteMs: 30_000,
      idleMs: 15_000,
    });
  });

  it('a 30 s call: idle defaults to the total', () => {
    expect(resolveDeadlines(30, {}, false).idleMs).toBe(30_000);
  });

  it('a 2 s stream: every default is capped at the total', () => {
    expect(resolveDeadlines(2, undefined, true)).toEqual({
      totalMs: 2_000,
      connectMs: 2_000,
      firstByteMs: 2_000,
      idleMs: 2_000,
    });
  });

  it('given deadlines are kept below the total and capped above it', () => {
    expect(
      resolveDeadlines(1.5, { connectMs: 100, firstByteMs: 9_000, idleMs: 250.4 }, false),
    ).toEqual({ totalMs: 1_500, connectMs: 100, firstByteMs: 1_500, idleMs: 250 });
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses firstByteMs %d', (v) => {
    expect(() => resolveDeadlines(5, { firstByteMs: v }, false)).toThrow(
      'deadlines.firstByteMs must be a positive number of milliseconds',
    );
  });

  it('a total of 0 s (or less) is 1 ms: the call ends at once; a non-finite one is refused', () => {
    expect(resolveDeadlines(0, undefined, false).totalMs).toBe(1);
    expect(() => resolveDeadlines(Number.POSITIVE_INFINITY, undefined, false)).toThrow(
      'timeout must be a finite number of seconds',
    );
  });
});
