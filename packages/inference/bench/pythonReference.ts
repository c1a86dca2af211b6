/**
 * A Python reference kept running beside a bench, so the two sides can be timed in turn
 * (interleaved, scripts/bench/row.ts) instead of one after the other. The script answers on
 * stdout with lines `REF <json>`: one when it is ready, then one per command line it reads on
 * stdin. Its other stdout lines (exporters talk) go to our stderr; its stderr is kept for the
 * error when it dies.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const PREFIX = 'REF ';
const STDERR_TAIL = 4000;

export interface PythonReference<Ready> {
  /** The script's first `REF` line. */
  ready: Ready;
  /** Sends one command line and waits for its `REF` answer. */
  ask<T>(command: string): Promise<T>;
  /** Closes its stdin and waits for it to exit. */
  close(): Promise<void>;
}

export async function startPythonReference<Ready>(
  python: string,
  args: string[],
): Promise<PythonReference<Ready>> {
  const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  const waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  let ended: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    const end = (err: Error) => {
      ended ??= err;
      for (const w of waiting.splice(0)) w.reject(ended);
      resolve();
    };
    child.on('error', end);
    child.on('exit', (code, signal) =>
      end(
        new Error(
          `${args[0]} exited (${signal ?? `code ${code}`}) before answering:\n${stderr.trim()}`,
        ),
      ),
    );
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith(PREFIX)) {
      process.stderr.write(`${line}\n`);
      return;
    }
    waiting.shift()?.resolve(JSON.parse(line.slice(PREFIX.length)));
  });
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      if (ended) reject(ended);
      else waiting.push({ resolve: resolve as (v: unknown) => void, reject });
    });
  const ready = await next<Ready>();
  return {
    ready,
    ask<T>(command: string) {
      const answer = next<T>();
      child.stdin.write(`${command}\n`);
      return answer;
    },
    async close() {
      child.stdin.end();
      await exited;
    },
  };
}
