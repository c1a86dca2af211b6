/**
 * `pnpm miner ...` as an operator runs it: the package's bin (`node bin/miner.mjs`, as pnpm's exec
 * fallback starts it), in the folder given, without INIT_CWD (pnpm sets none for a bin).
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

export const MINER_BIN = resolve(import.meta.dirname, '../../bin/miner.mjs');

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** The environment of a child CLI: this one's, less INIT_CWD, plus `extra`. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.INIT_CWD;
  return env;
}

export function runMinerCli(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [MINER_BIN, ...args],
      { cwd: options.cwd, env: cliEnv(options.env), timeout: options.timeoutMs ?? 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        done({ code, out: stdout, err: stderr });
      },
    );
  });
}

/** The lines of `text`, without the empty last one. */
export const lines = (text: string) =>
  text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
