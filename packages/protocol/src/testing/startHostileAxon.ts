/**
 * Starts `hostileAxon.ts` as a child process (`node --import tsx`, as `pnpm miner` runs) and waits
 * for its ready line. `stop()` SIGKILLs it; it also exits by itself if this process dies (its stdin
 * closes).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { DevKeyName } from './devKeys';
import type { HostileMode } from './hostileModes';

const PACKAGE = resolve(import.meta.dirname, '../..');
/** The process entry, for spawning it another way (`node --import tsx <entry> --mode ...`). */
export const HOSTILE_AXON_ENTRY = resolve(import.meta.dirname, 'hostileAxon.ts');

export interface StartHostileAxonOptions {
  mode: HostileMode;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Capacities record answered to `Capacity` (default: one Completion model, volume 2). */
  capacity?: Record<string, unknown>;
  /** Dev key that signs its answers (default bob). */
  hotkey?: DevKeyName;
  /** How long to wait for the ready line (default 60 s: tsx start-up on busy CI cores). */
  readyTimeoutMs?: number;
}

export interface HostileAxon {
  port: number;
  host: string;
  pid: number;
  stop(): Promise<void>;
}

function waitReady(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((done, fail) => {
    let out = '';
    let err = '';
    const finish = (e: Error | undefined, port?: number) => {
      clearTimeout(timer);
      child.stdout?.off('data', onOut);
      child.off('exit', onExit);
      if (e) fail(e);
      else done(port as number);
    };
    const onOut = (chunk: string) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      try {
        const line = JSON.parse(out.slice(0, nl)) as { ready?: boolean; port?: number };
        if (line.ready === true && typeof line.port === 'number')
          return finish(undefined, line.port);
      } catch {}
      finish(new Error(`hostile axon printed '${out.slice(0, nl)}' instead of its ready line`));
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(
        new Error(`hostile axon exited (${code ?? signal}) before ready: ${err.slice(-2000)}`),
      );
    const timer = setTimeout(
      () => finish(new Error(`hostile axon not ready within ${timeoutMs} ms: ${err.slice(-2000)}`)),
      timeoutMs,
    );
    child.stdout?.setEncoding('utf8').on('data', onOut);
    child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      err = (err + c).slice(-8000);
    });
    child.on('exit', onExit);
  });
}

export async function startHostileAxon(options: StartHostileAxonOptions): Promise<HostileAxon> {
  const host = options.host ?? '127.0.0.1';
  const args = [
    '--import',
    'tsx',
    HOSTILE_AXON_ENTRY,
    '--mode',
    options.mode,
    '--host',
    host,
    '--port',
    '0',
  ];
  if (options.capacity) args.push('--capacity', JSON.stringify(options.capacity));
  if (options.hotkey) args.push('--hotkey', options.hotkey);
  args.push('--exit-with-stdin');
  const child = spawn(process.execPath, args, { cwd: PACKAGE, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  let port: number;
  try {
    port = await waitReady(child, options.readyTimeoutMs ?? 60_000);
  } catch (e) {
    await kill();
    throw e;
  }
  // Keep reading what it writes, so that it never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return { port, host, pid: child.pid as number, stop: kill };
}
