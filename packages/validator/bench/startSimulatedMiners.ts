/**
 * Starts `simulatedMiners.ts` as a child process (`node --import tsx`) and waits for its ready
 * line. `stop()` sends SIGTERM and waits for the exit (SIGKILL after a grace); the child also
 * exits by itself if this process dies (its stdin closes).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const PACKAGE = resolve(import.meta.dirname, '..');
const ENTRY = resolve(import.meta.dirname, 'simulatedMiners.ts');
const STOP_GRACE_MS = 5_000;
/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

export interface SimulatedMinersOptions {
  count: number;
  /** Completion volume each miner offers. */
  volume: number;
  model: string;
  host?: string;
  /** How long to wait for the ready line (default 120 s: tsx start-up and key derivation). */
  readyTimeoutMs?: number;
}

export interface SimulatedMiners {
  host: string;
  /** Miner i + 1 at index i. */
  miners: { port: number; hotkey: string }[];
  pid: number;
  /** CPU time the miners' process used so far, ms (user + system; undefined without /proc). */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

/** utime + stime of a process from /proc/<pid>/stat, ms. */
function procCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return undefined;
  }
}

interface ReadyLine {
  ready?: boolean;
  miners?: { port: number; hotkey: string }[];
}

function waitReady(child: ChildProcess, timeoutMs: number): Promise<ReadyLine['miners']> {
  return new Promise((done, fail) => {
    let out = '';
    let err = '';
    const finish = (e: Error | undefined, miners?: ReadyLine['miners']) => {
      clearTimeout(timer);
      child.stdout?.off('data', onOut);
      child.off('exit', onExit);
      if (e) fail(e);
      else done(miners);
    };
    const onOut = (chunk: string) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      try {
        const line = JSON.parse(out.slice(0, nl)) as ReadyLine;
        if (line.ready === true && Array.isArray(line.miners))
          return finish(undefined, line.miners);
      } catch {}
      finish(new Error(`simulated miners printed '${out.slice(0, 200)}' instead of ready`));
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(new Error(`simulated miners exited (${code ?? signal}) early: ${err.slice(-2000)}`));
    const timer = setTimeout(
      () => finish(new Error(`simulated miners not ready in ${timeoutMs} ms: ${err.slice(-2000)}`)),
      timeoutMs,
    );
    child.stdout?.setEncoding('utf8').on('data', onOut);
    child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      err = (err + c).slice(-8000);
    });
    child.on('exit', onExit);
  });
}

export async function startSimulatedMiners(o: SimulatedMinersOptions): Promise<SimulatedMiners> {
  const host = o.host ?? '127.0.0.1';
  const args = ['--import', 'tsx', ENTRY, '--count', String(o.count), '--host', host];
  args.push('--volume', String(o.volume), '--model', o.model, '--exit-with-stdin');
  const child = spawn(process.execPath, args, { cwd: PACKAGE, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (running()) {
      child.kill('SIGTERM');
      const grace = setTimeout(() => running() && child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(grace);
    }
    child.stdin?.destroy();
  };
  let miners: ReadyLine['miners'];
  try {
    miners = await waitReady(child, o.readyTimeoutMs ?? 120_000);
  } catch (e) {
    if (running()) child.kill('SIGKILL');
    await exited;
    child.stdin?.destroy();
    throw e;
  }
  // Keep reading what it writes, so that it never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  const pid = child.pid as number;
  return { host, miners: miners ?? [], pid, cpuMs: () => procCpuMs(pid), stop };
}
