/**
 * Runs one bench as a child process (its own process group, so a timeout takes down whatever it
 * started: tsx, Python references, simulated miners) and collects what it reports: `BENCH_ROW`
 * lines become rows, a `BENCH_SKIP` line a skip, every other line is handed to `onLine`.
 *
 * A bench fails when it exits non-zero, dies of a signal, outlives its timeout, or prints a row
 * line that does not parse; it is skipped when it says so (`emitSkip`) and reports no rows.
 */
import { spawn } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { type Bench, benchLabel } from './benches';
import { type BenchRow, type BenchSide, ROW_PREFIX, SKIP_PREFIX } from './row';
import type { BenchOutcome } from './table';

/** After SIGTERM on a timeout, how long the bench gets before SIGKILL. */
const KILL_GRACE_MS = 5_000;
/** After the bench exits, how long its leftover children may hold its output open. */
const DRAIN_MS = 2_000;

export type BenchLine =
  | { kind: 'row'; row: BenchRow }
  | { kind: 'skip'; reason: string }
  | { kind: 'bad'; error: string }
  | { kind: 'text'; text: string };

const isNumberArray = (v: unknown): v is number[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));

function sideError(side: unknown, name: string): string | undefined {
  const s = side as Partial<BenchSide> | null;
  if (typeof s !== 'object' || s === null) return `${name} is not an object`;
  if (typeof s.label !== 'string') return `${name}.label is not a string`;
  if (!isNumberArray(s.samples) || s.samples.length === 0)
    return `${name}.samples is not a non-empty list of finite numbers`;
  if (s.cores !== undefined && typeof s.cores !== 'number') return `${name}.cores is not a number`;
  return undefined;
}

/** Why `value` is not a BenchRow, or undefined when it is one. */
export function rowError(value: unknown): string | undefined {
  const r = value as Partial<BenchRow> | null;
  if (typeof r !== 'object' || r === null) return 'not an object';
  for (const key of ['group', 'path', 'unit'] as const)
    if (typeof r[key] !== 'string' || r[key] === '') return `${key} is not a non-empty string`;
  if (typeof r.higherIsBetter !== 'boolean') return 'higherIsBetter is not a boolean';
  const ours = sideError(r.ours, 'ours');
  if (ours) return ours;
  if (r.reference !== null) {
    const ref = sideError(r.reference, 'reference');
    if (ref) return ref;
  }
  if (r.goal !== undefined && !(typeof r.goal?.ratio === 'number' && r.goal.ratio > 0))
    return 'goal.ratio is not a positive number';
  if (r.note !== undefined && typeof r.note !== 'string') return 'note is not a string';
  return undefined;
}

export function parseBenchLine(line: string): BenchLine {
  for (const [prefix, kind] of [
    [ROW_PREFIX, 'row'],
    [SKIP_PREFIX, 'skip'],
  ] as const) {
    if (!line.startsWith(prefix)) continue;
    let value: unknown;
    try {
      value = JSON.parse(line.slice(prefix.length));
    } catch (err) {
      return { kind: 'bad', error: `${prefix.trim()} line is not JSON: ${(err as Error).message}` };
    }
    if (kind === 'skip') {
      const reason = (value as { reason?: unknown } | null)?.reason;
      return typeof reason === 'string'
        ? { kind: 'skip', reason }
        : { kind: 'bad', error: `${prefix.trim()} line has no reason` };
    }
    const error = rowError(value);
    return error === undefined
      ? { kind: 'row', row: value as BenchRow }
      : { kind: 'bad', error: `${prefix.trim()} line: ${error}` };
  }
  return { kind: 'text', text: line };
}

export interface RunBenchOptions {
  bench: Bench;
  /** The repository root: its node_modules/.bin goes on PATH after the package's. */
  root: string;
  timeoutMs: number;
  /** Every line the bench prints that is not a row, by stream. */
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Fires with a function that stops the bench (for Ctrl-C). */
  onStart?: (stop: () => void) => void;
}

export interface BenchResult {
  outcome: BenchOutcome;
  rows: BenchRow[];
}

/** Calls `onLine` for each complete line written to `stream`, and once for a last partial one. */
function eachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      onLine(buffered.slice(0, nl).replace(/\r$/, ''));
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf('\n');
    }
  });
  stream.on('end', () => {
    if (buffered) onLine(buffered);
    buffered = '';
  });
}

export function runBench(o: RunBenchOptions): Promise<BenchResult> {
  const started = performance.now();
  const rows: BenchRow[] = [];
  const bad: string[] = [];
  let skip: string | undefined;
  const path = [join(o.bench.dir, 'node_modules/.bin'), join(o.root, 'node_modules/.bin')];
  const child = spawn('sh', ['-c', o.bench.command], {
    cwd: o.bench.dir,
    env: { ...process.env, PATH: [...path, process.env.PATH ?? ''].join(delimiter) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    killGroup('SIGTERM');
    killTimer ??= setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
  };
  const timeout = setTimeout(() => {
    timedOut = true;
    stop();
  }, o.timeoutMs);
  o.onStart?.(stop);

  eachLine(child.stdout, (line) => {
    const parsed = parseBenchLine(line);
    if (parsed.kind === 'row') rows.push(parsed.row);
    else if (parsed.kind === 'skip') skip = parsed.reason;
    else if (parsed.kind === 'bad') bad.push(parsed.error);
    else o.onLine(parsed.text, 'stdout');
  });
  eachLine(child.stderr, (line) => o.onLine(line, 'stderr'));

  return new Promise((resolve) => {
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let spawnError: Error | undefined;
    let done = false;
    let drainTimer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timeout);
      clearTimeout(killTimer);
      clearTimeout(drainTimer);
      // Whatever the bench left running (a reference server, simulated miners) goes with it.
      killGroup('SIGKILL');
      const seconds = (performance.now() - started) / 1000;
      const outcome: BenchOutcome = {
        bench: benchLabel(o.bench),
        status: 'ok',
        seconds,
        rows: rows.length,
      };
      const failure = spawnError
        ? `could not start: ${spawnError.message}`
        : timedOut
          ? `timed out after ${Math.round(o.timeoutMs / 1000)} s`
          : exit?.signal
            ? `killed by ${exit.signal}`
            : exit?.code !== 0
              ? `exit code ${exit?.code}`
              : bad.length > 0
                ? bad.join('; ')
                : undefined;
      if (failure !== undefined) Object.assign(outcome, { status: 'failed', reason: failure });
      else if (rows.length === 0)
        Object.assign(outcome, { status: 'skipped', reason: skip ?? 'reported no rows' });
      resolve({ outcome, rows });
    };
    child.on('error', (err) => {
      spawnError = err;
      finish();
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      drainTimer = setTimeout(finish, DRAIN_MS);
    });
    child.on('close', (code, signal) => {
      exit ??= { code, signal };
      finish();
    });
  });
}
