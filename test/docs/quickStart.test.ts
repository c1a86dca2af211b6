/**
 * The quick starts of docs/miner.md, docs/validator.md and docs/local-network.md, run exactly as
 * written: every ```sh block that follows a `<!-- quick start -->` line, line by line, against the
 * devnet the block itself starts. Twice: from the repository's folder, and from a folder outside
 * it, where the commands run as docs/operations.md says (the repository's node_modules/.bin on
 * PATH, the same command without `pnpm`).
 *
 * How a line runs:
 * - `cmd &`: started in the background, and waited for until it prints what says it is up
 *   (`READY` below); stopped with SIGINT after the block, where it must exit 0.
 * - a daemon's `start`: started, waited for until it is ready, then stopped with SIGINT as an
 *   operator's Ctrl-C: it must exit 0.
 * - anything else: must exit 0 within two minutes.
 * No output of any of them may carry pnpm's `ELIFECYCLE` line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'node_modules', '.bin');

/** What a long-running command prints once it is up, by the words that start it. */
const READY: readonly [RegExp, RegExp][] = [
  [/^(pnpm )?devnet\b/, /ws:\/\/127\.0\.0\.1:9944/],
  [/^(pnpm )?miner start\b/, /"msg":"miner ready"/],
  [/^(pnpm )?validator start\b/, /"msg":"5\/5 running"/],
  [/^(\.\/|.*\/)dev start\b/, /Local subnet running\./],
];

/** The command lines of a doc's quick-start blocks, continuations joined, comments dropped. */
function quickStartLines(doc: string): string[] {
  const text = readFileSync(join(ROOT, 'docs', doc), 'utf8');
  const lines: string[] = [];
  const blocks = text.split('<!-- quick start -->').slice(1);
  for (const after of blocks) {
    const m = /^\s*```sh\n([\s\S]*?)\n```/.exec(after);
    if (!m?.[1]) throw new Error(`${doc}: a quick-start marker without a sh block after it`);
    let pending = '';
    for (const raw of m[1].split('\n')) {
      const line = raw.replace(/\s+#\s.*$/, '').replace(/^#.*$/, '');
      if (line.trimEnd().endsWith('\\')) {
        pending += `${line.trimEnd().slice(0, -1).trim()} `;
        continue;
      }
      const whole = `${pending}${line}`.trim();
      pending = '';
      if (whole) lines.push(whole);
    }
  }
  return lines;
}

interface Run {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

function start(line: string, cwd: string, env: NodeJS.ProcessEnv): Run {
  // Its own process group, as a terminal runs a command: Ctrl-C signals the whole group.
  const child = spawn('bash', ['-c', `exec ${line}`], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  child.stderr?.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  // 'close': the command exited and everything it started let go of its output (a daemon that
  // pnpm ran keeps writing after pnpm itself died of the SIGINT).
  const exited = new Promise<{ code: number | null; signal: string | null }>((done) =>
    child.on('close', (code, signal) => done({ code, signal })),
  );
  return { child, output: () => out, exited };
}

async function waitFor(run: Run, ready: RegExp, line: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready.test(run.output())) {
    const done = await Promise.race([run.exited, new Promise((r) => setTimeout(r, 200))]);
    if (done)
      throw new Error(
        `\`${line}\` exited before it was up (${JSON.stringify(done)}):\n${run.output()}`,
      );
    if (Date.now() > deadline)
      throw new Error(`\`${line}\` was not up within ${ms / 1000} s:\n${run.output()}`);
  }
}

/**
 * Ctrl-C: SIGINT to the command's process group. The daemon must stop cleanly: exit 0, or, when
 * pnpm runs it (pnpm itself dies of the SIGINT the terminal sends it), its last log line
 * `stopped`. Never an ELIFECYCLE line.
 */
async function stop(run: Run, line: string): Promise<void> {
  process.kill(-(run.child.pid as number), 'SIGINT');
  const result = await Promise.race([
    run.exited,
    new Promise((r) => setTimeout(() => r('no exit within 60 s'), 60_000)),
  ]);
  const viaPnpm = line.startsWith('pnpm ');
  const daemon = /\b(miner|validator) start\b/.test(line);
  const clean =
    JSON.stringify(result) === JSON.stringify({ code: 0, signal: null }) ||
    (viaPnpm && JSON.stringify(result) === JSON.stringify({ code: null, signal: 'SIGINT' }));
  expect({ line, result, clean }).toEqual({ line, result, clean: true });
  if (daemon)
    expect({ line, stopped: run.output().includes('"msg":"stopped"') }).toEqual({
      line,
      stopped: true,
    });
  expect({ line, elifecycle: run.output().includes('ELIFECYCLE') }).toEqual({
    line,
    elifecycle: false,
  });
}

const background: { run: Run; line: string }[] = [];
afterEach(() => {
  // A failed test leaves its background commands running: kill them.
  for (const b of background.splice(0)) {
    try {
      process.kill(-(b.run.child.pid as number), 'SIGKILL');
    } catch {
      // the whole group is gone already
    }
  }
});

/** Runs a doc's quick start from `cwd`; `outside` drops `pnpm ` and puts the bins on PATH. */
async function runQuickStart(doc: string, cwd: string, outside: boolean): Promise<string[]> {
  // The miner's and validator's quick starts write wallets under ~: a home of their own. The
  // local network keeps everything in the repository's .cache.
  const home =
    doc === 'local-network.md'
      ? process.env.HOME
      : mkdtempSync(join(tmpdir(), 'quick-start-home-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    PATH: outside ? `${BIN}:${process.env.PATH}` : process.env.PATH,
  };
  delete env.INIT_CWD;
  const ran: string[] = [];
  for (const written of quickStartLines(doc)) {
    const line = outside
      ? written
          .replace(/^pnpm (miner|validator|chain|devnet|models)\b/, '$1')
          .replace(/^\.\/dev /, `${ROOT}/dev `)
      : written;
    const bg = line.endsWith('&');
    const cmd = bg ? line.slice(0, -1).trim() : line;
    const ready = READY.find(([starts]) => starts.test(cmd))?.[1];
    const run = start(cmd, cwd, env);
    if (bg || ready) {
      if (!ready) throw new Error(`${doc}: no ready marker known for \`${cmd}\``);
      await waitFor(run, ready, cmd, 240_000);
      if (bg) {
        background.push({ run, line: cmd });
      } else {
        await stop(run, cmd);
      }
    } else {
      const result = await Promise.race([
        run.exited,
        new Promise((r) => setTimeout(() => r('no exit within 120 s'), 120_000)),
      ]);
      expect({
        line: cmd,
        result,
        output: result && (result as { code: number }).code === 0 ? '' : run.output(),
      }).toEqual({
        line: cmd,
        result: { code: 0, signal: null },
        output: '',
      });
      expect({ line: cmd, elifecycle: run.output().includes('ELIFECYCLE') }).toEqual({
        line: cmd,
        elifecycle: false,
      });
    }
    ran.push(cmd);
  }
  for (const b of background.splice(0)) await stop(b.run, b.line);
  return ran;
}

/** Runs `fn` in the repository's folder and removes what it created there (wallets, databases). */
async function inRepo<T>(fn: () => Promise<T>): Promise<T> {
  const before = new Set(readdirSync(ROOT));
  try {
    return await fn();
  } finally {
    for (const name of readdirSync(ROOT)) {
      if (!before.has(name) && !name.startsWith('.')) {
        rmSync(join(ROOT, name), { recursive: true, force: true });
      }
    }
  }
}

const outsideDir = () => mkdtempSync(join(tmpdir(), 'operator-folder-'));

describe.each(['miner.md', 'validator.md'])(
  'the quick start of docs/%s',
  { timeout: 600_000 },
  (doc) => {
    it('has one, starting a devnet and a daemon', () => {
      const lines = quickStartLines(doc);
      expect(lines[0]).toMatch(/^pnpm devnet .*&$/);
      expect(lines.some((l) => / start /.test(l))).toBe(true);
    });

    it('runs as written from the repository folder', async () => {
      expect(await inRepo(() => runQuickStart(doc, ROOT, false))).toHaveLength(
        quickStartLines(doc).length,
      );
    });

    it('runs from a folder outside the repository with the bins on PATH', async () => {
      expect(await runQuickStart(doc, outsideDir(), true)).toHaveLength(
        quickStartLines(doc).length,
      );
    });
  },
);

describe('the quick start of docs/local-network.md', { timeout: 600_000 }, () => {
  it('is ./dev start, and it runs and stops cleanly from the repository folder', async () => {
    expect(quickStartLines('local-network.md')).toEqual(['./dev start']);
    expect(await inRepo(() => runQuickStart('local-network.md', ROOT, false))).toEqual([
      './dev start',
    ]);
  });

  it('runs from a folder outside the repository as <repo>/dev start', async () => {
    expect(await runQuickStart('local-network.md', outsideDir(), true)).toEqual([
      `${ROOT}/dev start`,
    ]);
  });
});
