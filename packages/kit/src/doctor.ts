/**
 * `doctor`: a checklist a daemon runs before the operator starts it. Each check answers ok, warn
 * (works, but look at it), blocker (the daemon would not start or not earn) or skip (could not be
 * checked because an earlier blocker stands in the way), with a line of detail and, when not ok,
 * the fix. Every check has a deadline; one that throws or hangs is a blocker, not a crash.
 */
import { createServer } from 'node:net';
import { CliError } from './errors.js';

export type CheckStatus = 'ok' | 'warn' | 'blocker' | 'skip';

export interface CheckResult {
  readonly status: CheckStatus;
  readonly detail: string;
  readonly fix?: string;
}

export interface Check {
  /** What is checked, short: "Node.js version", "wallet files". */
  readonly name: string;
  /** Checks that must be ok first (by name); when one is not, this one is skipped. */
  readonly needs?: readonly string[];
  /** Deadline in ms (default 10 s). */
  readonly timeoutMs?: number;
  run(): Promise<CheckResult> | CheckResult;
}

export interface ChecklistReport {
  readonly results: readonly (CheckResult & { readonly name: string })[];
  readonly blockers: number;
  readonly warnings: number;
}

const MARK: Record<CheckStatus, string> = { ok: 'ok', warn: 'WARN', blocker: 'FAIL', skip: 'skip' };

async function withDeadline(check: Check): Promise<CheckResult> {
  const ms = check.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(() => check.run()),
      new Promise<CheckResult>((resolve) => {
        timer = setTimeout(
          () => resolve({ status: 'blocker', detail: `no answer within ${ms / 1000} s` }),
          ms,
        );
      }),
    ]);
  } catch (e) {
    const err = e as Error & { code?: unknown; fix?: unknown };
    return {
      status: 'blocker',
      detail: `${err.message ?? String(e)}${typeof err.code === 'string' ? ` [${err.code}]` : ''}`,
      ...(typeof err.fix === 'string' ? { fix: err.fix } : {}),
    };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Runs the checks in order, printing a line per check as it finishes. */
export async function runChecklist(
  checks: readonly Check[],
  print: (line: string) => void,
): Promise<ChecklistReport> {
  const results: (CheckResult & { name: string })[] = [];
  const status = new Map<string, CheckStatus>();
  const nameWidth = Math.min(28, Math.max(...checks.map((c) => c.name.length)));
  for (const check of checks) {
    const missing = (check.needs ?? []).filter(
      (n) => status.get(n) !== 'ok' && status.get(n) !== 'warn',
    );
    const result: CheckResult =
      missing.length > 0
        ? { status: 'skip', detail: `needs ${missing.join(', ')} first` }
        : await withDeadline(check);
    status.set(check.name, result.status);
    results.push({ name: check.name, ...result });
    print(`[${MARK[result.status].padEnd(4)}] ${check.name.padEnd(nameWidth)}  ${result.detail}`);
    if (result.fix && result.status !== 'ok')
      print(`       ${' '.repeat(nameWidth)}  fix: ${result.fix}`);
  }
  const blockers = results.filter((r) => r.status === 'blocker').length;
  const warnings = results.filter((r) => r.status === 'warn').length;
  print(
    blockers > 0
      ? `${blockers} blocker${blockers === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}: fix the blockers before starting`
      : `no blockers, ${warnings} warning${warnings === 1 ? '' : 's'}`,
  );
  return { results, blockers, warnings };
}

/** Node.js at least `min` (major.minor). */
export function nodeVersionCheck(
  min: { major: number; minor: number },
  version = process.versions.node,
): Check {
  return {
    name: 'Node.js version',
    run() {
      const [major = 0, minor = 0] = version.split('.').map(Number);
      const ok = major > min.major || (major === min.major && minor >= min.minor);
      if (!ok) {
        return {
          status: 'blocker',
          detail: `Node.js ${version}; at least ${min.major}.${min.minor} is needed`,
          fix: 'install Node.js 22 or 24 LTS',
        };
      }
      if (major % 2 === 1) {
        return {
          status: 'warn',
          detail: `Node.js ${version} is not an LTS line`,
          fix: 'run Node.js 22 or 24 LTS',
        };
      }
      return { status: 'ok', detail: `Node.js ${version}` };
    },
  };
}

/** The port is free to listen on (the daemon is not already running, nothing else holds it). */
export function portFreeCheck(name: string, host: string, port: number): Check {
  return {
    name,
    timeoutMs: 3000,
    run: () =>
      new Promise<CheckResult>((resolve) => {
        const server = createServer();
        server.once('error', (e: NodeJS.ErrnoException) => {
          resolve({
            status: 'blocker',
            detail: `${host}:${port} cannot be listened on (${e.code ?? e.message})`,
            fix:
              e.code === 'EADDRINUSE'
                ? `stop what listens there (\`ss -ltnp 'sport = :${port}'\`) or choose another port`
                : `check the address ${host} is one of this machine's interfaces`,
          });
        });
        server.listen({ host, port, exclusive: true }, () => {
          server.close(() => resolve({ status: 'ok', detail: `${host}:${port} is free` }));
        });
      }),
  };
}

/** Throws the checklist's verdict as an error the CLI reports (exit 1) when there are blockers. */
export function assertNoBlockers(report: ChecklistReport, program: string): void {
  const rerun = `${program} doctor`;
  if (report.blockers > 0) {
    const n = report.blockers;
    throw new CliError('DOCTOR_BLOCKERS', `${n} blocker${n === 1 ? '' : 's'} found`, {
      fix: `fix each FAIL line above, then run \`${rerun}\` again`,
    });
  }
}
