/**
 * Starts `simulatedMiners.ts` as a child process (`node --import tsx`) and waits for its ready
 * line. `stop()` sends SIGTERM and waits for the exit (SIGKILL after a grace); the child also
 * exits by itself if this process dies (its stdin closes).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startReadyProcess } from '@subnet/protocol/testing';

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
  ready?: unknown;
  miners?: unknown;
}

export async function startSimulatedMiners(o: SimulatedMinersOptions): Promise<SimulatedMiners> {
  const host = o.host ?? '127.0.0.1';
  const args = ['--count', String(o.count), '--host', host];
  args.push('--volume', String(o.volume), '--model', o.model, '--exit-with-stdin');
  const child = await startReadyProcess({
    entry: ENTRY,
    args,
    cwd: PACKAGE,
    name: 'simulated miners',
    ready: (line) => {
      const l = line as ReadyLine;
      return l.ready === true && Array.isArray(l.miners)
        ? (l.miners as { port: number; hotkey: string }[])
        : undefined;
    },
    readyTimeoutMs: o.readyTimeoutMs ?? 120_000,
    stopSignal: 'SIGTERM',
    graceMs: STOP_GRACE_MS,
  });
  const pid = child.pid;
  return { host, miners: child.ready, pid, cpuMs: () => procCpuMs(pid), stop: child.stop };
}
