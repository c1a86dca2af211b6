/**
 * Starts a TypeScript entry as a child process (`node --import tsx`, as the daemons run) that
 * prints one JSON line when it is ready, and waits for that line with a deadline. The child is
 * given a stdin pipe so that it can exit by itself when this process dies (its stdin closes);
 * `stop()` sends `signal` (SIGKILL by default), SIGKILLs after `graceMs`, and waits for the exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface ReadyProcessOptions<T> {
  /** The `.ts` entry file. */
  entry: string;
  args: readonly string[];
  cwd: string;
  /** Named in errors. */
  name: string;
  /** The ready line parsed, or undefined when the line is not the ready one. */
  ready: (line: unknown) => T | undefined;
  readyTimeoutMs: number;
  /** How `stop()` asks the child to go (default SIGKILL), and how long it waits for it. */
  stopSignal?: NodeJS.Signals;
  graceMs?: number;
}

export interface ReadyProcess<T> {
  ready: T;
  pid: number;
  stop(): Promise<void>;
}

function waitReady<T>(child: ChildProcess, o: ReadyProcessOptions<T>): Promise<T> {
  return new Promise((done, fail) => {
    let out = '';
    let err = '';
    const finish = (e: Error | undefined, value?: T) => {
      clearTimeout(timer);
      child.stdout?.off('data', onOut);
      child.off('exit', onExit);
      if (e) fail(e);
      else done(value as T);
    };
    const onOut = (chunk: string) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      let value: T | undefined;
      try {
        value = o.ready(JSON.parse(out.slice(0, nl)));
      } catch {}
      if (value !== undefined) finish(undefined, value);
      else finish(new Error(`${o.name} printed '${out.slice(0, 200)}' instead of its ready line`));
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(new Error(`${o.name} exited (${code ?? signal}) before ready: ${err.slice(-2000)}`));
    const timer = setTimeout(
      () =>
        finish(new Error(`${o.name} not ready within ${o.readyTimeoutMs} ms: ${err.slice(-2000)}`)),
      o.readyTimeoutMs,
    );
    child.stdout?.setEncoding('utf8').on('data', onOut);
    child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      err = (err + c).slice(-8000);
    });
    child.on('exit', onExit);
  });
}

export async function startReadyProcess<T>(o: ReadyProcessOptions<T>): Promise<ReadyProcess<T>> {
  const child = spawn(process.execPath, ['--import', 'tsx', o.entry, ...o.args], {
    cwd: o.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async (signal: NodeJS.Signals = o.stopSignal ?? 'SIGKILL') => {
    if (running()) {
      child.kill(signal);
      const grace = setTimeout(() => running() && child.kill('SIGKILL'), o.graceMs ?? 5_000);
      await exited;
      clearTimeout(grace);
    }
    child.stdin?.destroy();
  };
  let ready: T;
  try {
    ready = await waitReady(child, o);
  } catch (e) {
    await stop('SIGKILL');
    throw e;
  }
  // Keep reading what it writes, so that it never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return { ready, pid: child.pid as number, stop: () => stop() };
}
