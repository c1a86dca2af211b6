/**
 * CPU time and resident memory of any process on this machine, read from /proc (Linux), so that
 * our axon and the Python SDK's are measured the same way: utime + stime of every thread, and
 * VmRSS. Undefined where /proc cannot be read (another OS, or the process is gone).
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** utime + stime of `pid` (all its threads), in ms; resolution 10 ms. */
export function procCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** Resident set size of `pid`, bytes. */
export function procRssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU used by `pid` between two readings, as cores (CPU seconds per wall second). */
export class CpuWindow {
  readonly #pid: number;
  readonly #cpu0: number | undefined;
  readonly #t0 = performance.now();

  constructor(pid: number) {
    this.#pid = pid;
    this.#cpu0 = procCpuMs(pid);
  }

  /** CPU ms and wall ms since construction; cpuMs undefined without /proc. */
  read(): { cpuMs: number | undefined; wallMs: number } {
    const cpu1 = procCpuMs(this.#pid);
    const wallMs = performance.now() - this.#t0;
    const cpuMs = this.#cpu0 !== undefined && cpu1 !== undefined ? cpu1 - this.#cpu0 : undefined;
    return { cpuMs, wallMs };
  }
}

export const MB = 1024 * 1024;
