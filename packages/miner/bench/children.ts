/**
 * The processes a bench starts (our axon, the Python SDK's, load clients) and how they end with it:
 * every child is registered and SIGKILLed when the bench exits, is interrupted (SIGINT, SIGTERM)
 * or throws; each child also gets a stdin pipe and is written to exit when it closes, which covers
 * a bench killed with SIGKILL. Waits are bounded: a child that does not print its ready line in
 * time, or a one-shot child that overruns, is killed and named in the error.
 */
import { type ChildProcess, spawn } from 'node:child_process';

const running = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  running.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

function track(command: string, args: readonly string[], cwd: string | undefined): ChildProcess {
  hookExit();
  const child = spawn(command, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  // An EPIPE on a child's stdin (it exited first) is not the bench's failure.
  child.stdin?.on('error', () => {});
  return child;
}

const TAIL_CHARS = 4000;

export interface LineProcessOptions<T> {
  command: string;
  args: readonly string[];
  cwd?: string;
  /** Named in errors. */
  name: string;
  /** The ready line parsed (a JSON value), or undefined when a line is not the ready one. */
  ready: (line: unknown) => T | undefined;
  readyTimeoutMs: number;
}

/** A long-lived child that talks in JSON lines on stdout (other lines are kept for errors only). */
export interface LineProcess<T> {
  ready: T;
  pid: number;
  /** Writes one line to its stdin. */
  send(line: string): void;
  /** The next JSON line `match` accepts (lines it refuses stay for a later call). */
  next<R>(match: (line: unknown) => R | undefined, timeoutMs: number): Promise<R>;
  /** The last lines of its stderr and non-JSON stdout, for error messages. */
  tail(): string;
  /** Sends `signal` (default SIGTERM), SIGKILLs after `graceMs`, and waits for the exit. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export async function startLineProcess<T>(o: LineProcessOptions<T>): Promise<LineProcess<T>> {
  const child = track(o.command, o.args, o.cwd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  let tail = '';
  const lines: unknown[] = [];
  const waiters: Array<() => void> = [];
  let partial = '';
  const notify = () => {
    for (const w of waiters.splice(0)) w();
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    let nl = partial.indexOf('\n');
    while (nl >= 0) {
      const text = partial.slice(0, nl).trim();
      partial = partial.slice(nl + 1);
      nl = partial.indexOf('\n');
      if (!text) continue;
      try {
        lines.push(JSON.parse(text));
      } catch {
        tail = `${tail}${text}\n`.slice(-TAIL_CHARS);
      }
    }
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-TAIL_CHARS);
  });
  child.once('exit', notify);

  const next = <R>(match: (line: unknown) => R | undefined, timeoutMs: number): Promise<R> =>
    new Promise((resolve, reject) => {
      let settled = false;
      const deadline = setTimeout(() => {
        settled = true;
        reject(new Error(`${o.name}: no answer within ${timeoutMs} ms\n${tail}`));
      }, timeoutMs);
      const look = () => {
        if (settled) return;
        for (let i = 0; i < lines.length; i++) {
          const value = match(lines[i]);
          if (value !== undefined) {
            lines.splice(i, 1);
            clearTimeout(deadline);
            resolve(value);
            return;
          }
        }
        if (!alive()) {
          clearTimeout(deadline);
          reject(new Error(`${o.name} exited (${child.exitCode ?? child.signalCode})\n${tail}`));
          return;
        }
        waiters.push(look);
      };
      look();
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000) => {
    if (alive()) {
      child.kill(signal);
      const grace = setTimeout(() => alive() && child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(grace);
    }
    child.stdin?.destroy();
  };

  let ready: T;
  try {
    ready = await next(o.ready, o.readyTimeoutMs);
  } catch (e) {
    await stop('SIGKILL');
    throw new Error(`${o.name} did not start: ${(e as Error).message}`);
  }
  return {
    ready,
    pid: child.pid as number,
    send: (line) => {
      if (alive()) child.stdin?.write(`${line}\n`);
    },
    next,
    tail: () => tail,
    stop,
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a one-shot child to its end; kills it (and fails) past `timeoutMs`. */
export function runToExit(o: {
  command: string;
  args: readonly string[];
  cwd?: string;
  name: string;
  timeoutMs: number;
}): Promise<RunResult> {
  const child = track(o.command, o.args, o.cwd);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr?.setEncoding('utf8').on('data', (c: string) => {
    stderr = (stderr + c).slice(-TAIL_CHARS);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${o.name} ran past ${o.timeoutMs} ms and was killed\n${stderr}`));
    }, o.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
