/**
 * `validator start` as a real process (`node bin/validator.mjs`, as `pnpm validator` runs it: no
 * tsx parent in between, so SIGKILL reaches the validator itself), its JSON log lines collected
 * as they come and waited on by predicate.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/validator.mjs', import.meta.url));

export type LogLine = Record<string, unknown>;

export interface ValidatorProcess {
  readonly child: ChildProcess;
  readonly lines: readonly LogLine[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first line (from `from` on) that `match` accepts; rejects on exit or timeout. */
  waitFor(
    what: string,
    match: (line: LogLine) => boolean,
    options?: { from?: number; timeoutMs?: number },
  ): Promise<LogLine>;
  stderr(): string;
}

export function spawnValidator(args: readonly string[]): ValidatorProcess {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('SUBNET_VALIDATOR_')) delete env[k];
  delete env.INIT_CWD;
  const child = spawn(process.execPath, [BIN, 'start', ...args], {
    env,
    cwd: tmpdir(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const wake = new Set<() => void>();
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const text = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        lines.push(JSON.parse(text) as LogLine);
      } catch {
        lines.push({ msg: text });
      }
    }
    for (const w of wake) w();
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    // @polkadot/api reports every request failed by an outage here: keep the tail only.
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );

  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    waitFor(what, match, options = {}) {
      const from = options.from ?? 0;
      const timeoutMs = options.timeoutMs ?? 60_000;
      return new Promise<LogLine>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const finish = (fn: () => void) => {
          wake.delete(check);
          clearTimeout(timer);
          fn();
        };
        const check = () => {
          const line = lines.slice(from).find(match);
          if (line) finish(() => resolve(line));
        };
        timer = setTimeout(
          () =>
            finish(() =>
              reject(
                new Error(
                  `no log line '${what}' within ${timeoutMs} ms; the last ones:\n${lines
                    .slice(-15)
                    .map((l) => JSON.stringify(l))
                    .join('\n')}`,
                ),
              ),
            ),
          timeoutMs,
        );
        wake.add(check);
        check();
        void exited.then((e) => {
          if (wake.has(check)) {
            finish(() =>
              reject(
                new Error(
                  `the validator exited (${JSON.stringify(e)}) before '${what}': ${stderr}`,
                ),
              ),
            );
          }
        });
      });
    },
  };
}
