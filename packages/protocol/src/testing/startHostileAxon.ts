/**
 * Starts `hostileAxon.ts` as a child process (`node --import tsx`, as `pnpm miner` runs) and waits
 * for its ready line. `stop()` SIGKILLs it; it also exits by itself if this process dies (its stdin
 * closes).
 */
import { resolve } from 'node:path';
import type { DevKeyName } from './devKeys';
import type { HostileMode } from './hostileModes';
import { startReadyProcess } from './readyProcess';

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

export async function startHostileAxon(options: StartHostileAxonOptions): Promise<HostileAxon> {
  const host = options.host ?? '127.0.0.1';
  const args = ['--mode', options.mode, '--host', host, '--port', '0'];
  if (options.capacity) args.push('--capacity', JSON.stringify(options.capacity));
  if (options.hotkey) args.push('--hotkey', options.hotkey);
  args.push('--exit-with-stdin');
  const child = await startReadyProcess({
    entry: HOSTILE_AXON_ENTRY,
    args,
    cwd: PACKAGE,
    name: 'hostile axon',
    ready: (line) => {
      const l = line as { ready?: unknown; port?: unknown };
      return l.ready === true && typeof l.port === 'number' ? l.port : undefined;
    },
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
  });
  return { port: child.ready, host, pid: child.pid, stop: child.stop };
}
