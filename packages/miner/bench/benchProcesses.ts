/**
 * How the axon benches start their processes: our axon (`axonServer.ts`), the reference SDK's
 * (`python_axon.py`, from the repo's .venv), and one run of the load client (`loadClient.ts`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LineProcess, runToExit, startLineProcess } from './children';
import type { LoadResult } from './loadClient';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const PACKAGE_DIR = resolve(BENCH_DIR, '..');
/** The repo's venv (scripts/python-env.sh); BENCH_PYTHON points elsewhere. */
export const VENV_PYTHON =
  process.env.BENCH_PYTHON ?? join(BENCH_DIR, '../../..', '.venv', 'bin', 'python');
const READY_TIMEOUT_MS = 120_000;

export interface AxonReady {
  port: number;
  pid: number;
  hotkey: string;
}

/** The reference SDK from the venv, or why it cannot run here. */
export function pythonSdk(): { python: string; version: string } | { missing: string } {
  if (!existsSync(VENV_PYTHON))
    return { missing: `${VENV_PYTHON} is missing (./dev setup, or bash scripts/python-env.sh)` };
  const probe = spawnSync(VENV_PYTHON, ['-c', 'import bittensor; print(bittensor.__version__)'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (probe.status !== 0)
    return { missing: `bittensor does not import in ${VENV_PYTHON}: ${probe.stderr.slice(-300)}` };
  return { python: VENV_PYTHON, version: probe.stdout.trim() };
}

function axonReady(line: unknown): AxonReady | undefined {
  const l = line as Partial<AxonReady> & { ready?: unknown };
  if (l?.ready !== true || typeof l.port !== 'number' || typeof l.hotkey !== 'string')
    return undefined;
  return { port: l.port, pid: Number(l.pid), hotkey: l.hotkey };
}

export function nodeTs(entry: string, nodeFlags: readonly string[] = []): [string, string[]] {
  return [process.execPath, [...nodeFlags, '--import', 'tsx', join(BENCH_DIR, entry)]];
}

export function startOurAxon(
  o: { verifyWorkers?: number; exposeGc?: boolean } = {},
): Promise<LineProcess<AxonReady>> {
  const [command, args] = nodeTs('axonServer.ts', o.exposeGc ? ['--expose-gc'] : []);
  args.push('--exit-with-stdin');
  if (o.verifyWorkers !== undefined) args.push('--verify-workers', String(o.verifyWorkers));
  return startLineProcess({
    command,
    args,
    cwd: PACKAGE_DIR,
    name: 'our axon (axonServer.ts)',
    ready: axonReady,
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
}

export function startPythonAxon(python: string): Promise<LineProcess<AxonReady>> {
  return startLineProcess({
    command: python,
    args: [join(BENCH_DIR, 'python_axon.py')],
    cwd: BENCH_DIR,
    name: 'the SDK axon (python_axon.py)',
    ready: axonReady,
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
}

export interface LoadRun {
  axon: AxonReady;
  concurrency: number;
  requests?: number;
  durationS?: number;
  /** Open loop at this rate (with durationS). */
  rate?: number;
  invalid?: number;
  /** Expected rate, sizes the signing buffer of a closed-loop stream. */
  rateHint?: number;
}

/** One run of the load client against `axon`; throws with its stderr when it fails. */
export async function runLoadClient(r: LoadRun): Promise<LoadResult> {
  const [command, args] = nodeTs('loadClient.ts');
  args.push('--port', String(r.axon.port), '--axon-hotkey', r.axon.hotkey);
  args.push('--concurrency', String(r.concurrency), '--server-pid', String(r.axon.pid));
  args.push('--exit-with-stdin');
  if (r.requests !== undefined) args.push('--requests', String(r.requests));
  if (r.durationS !== undefined) args.push('--duration-s', String(r.durationS));
  if (r.rate !== undefined) args.push('--rate', String(Math.round(r.rate)));
  if (r.invalid !== undefined) args.push('--invalid', String(r.invalid));
  if (r.rateHint !== undefined)
    args.push('--rate-hint', String(Math.max(1, Math.round(r.rateHint))));
  // Start-up and signing (about 0.3 ms a request per thread) come on top of the run itself.
  const budgetS = 120 + (r.durationS ?? 0) * 3 + (r.requests ?? 0) * 0.002;
  const out = await runToExit({
    command,
    args,
    cwd: PACKAGE_DIR,
    name: 'loadClient.ts',
    timeoutMs: budgetS * 1000,
  });
  const line = out.stdout.split('\n').find((l) => l.startsWith('{"result"'));
  if (out.code !== 0 || !line)
    throw new Error(`loadClient.ts failed (exit ${out.code}): ${out.stderr.slice(-2000)}`);
  return (JSON.parse(line) as { result: LoadResult }).result;
}
