import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Bench } from './benches';
import type { BenchRow } from './row';
import { parseBenchLine, runBench } from './runBench';

const row: BenchRow = {
  group: 'g',
  path: 'p',
  unit: 'ms',
  higherIsBetter: false,
  ours: { label: 'ours', samples: [1, 2, 3] },
  reference: null,
};

/** Whether a process is alive: not gone and not a zombie (dead, its parent not yet told). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('parseBenchLine', () => {
  it('tells rows, skips, malformed rows and plain output apart', () => {
    expect(parseBenchLine(`BENCH_ROW ${JSON.stringify(row)}`)).toEqual({ kind: 'row', row });
    expect(parseBenchLine('BENCH_SKIP {"reason":"no venv"}')).toEqual({
      kind: 'skip',
      reason: 'no venv',
    });
    expect(parseBenchLine('BENCH_ROW {')).toMatchObject({ kind: 'bad' });
    expect(
      parseBenchLine(`BENCH_ROW ${JSON.stringify({ ...row, ours: { label: 'x', samples: [] } })}`),
    ).toEqual({
      kind: 'bad',
      error: 'BENCH_ROW line: ours.samples is not a non-empty list of finite numbers',
    });
    expect(parseBenchLine('tokens/s 12.5')).toEqual({ kind: 'text', text: 'tokens/s 12.5' });
  });
});

describe('runBench', () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-bench-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (name: string, script: string, timeoutMs = 10_000) => {
    writeFileSync(join(dir, name), script);
    const lines: string[] = [];
    const bench: Bench = { pkg: 'pkg', dir, name, command: `node ${name}`, groups: [] };
    return runBench({
      bench,
      root: dir,
      timeoutMs,
      onLine: (l, s) => lines.push(`${s}: ${l}`),
    }).then((r) => ({ ...r, lines }));
  };

  it('collects rows and passes the rest of the output through', async () => {
    const r = await run(
      'ok.mjs',
      `console.log('hello'); console.error('warn'); console.log('BENCH_ROW ' + ${JSON.stringify(JSON.stringify(row))});`,
    );
    expect(r.rows).toEqual([row]);
    expect(r.lines.sort()).toEqual(['stderr: warn', 'stdout: hello']);
    expect(r.outcome).toMatchObject({ bench: 'pkg ok.mjs', status: 'ok', rows: 1 });
  });

  it('fails a bench that exits non-zero, and keeps the rows it reported', async () => {
    const r = await run(
      'crash.mjs',
      `console.log('BENCH_ROW ' + ${JSON.stringify(JSON.stringify(row))}); process.exit(3);`,
    );
    expect(r.rows).toHaveLength(1);
    expect(r.outcome).toMatchObject({ status: 'failed', reason: 'exit code 3' });
  });

  it('skips a bench that says why, or that reports nothing', async () => {
    const said = await run(
      'skip.mjs',
      `console.log('BENCH_SKIP ' + JSON.stringify({ reason: 'no torch' }));`,
    );
    expect(said.outcome).toMatchObject({ status: 'skipped', reason: 'no torch' });
    const silent = await run('silent.mjs', '');
    expect(silent.outcome).toMatchObject({ status: 'skipped', reason: 'reported no rows' });
  });

  it('stops a bench and what it started at the timeout', async () => {
    const r = await run(
      'hang.mjs',
      `import { spawn } from 'node:child_process';
       const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'inherit' });
       console.log('child ' + child.pid);
       setInterval(() => {}, 1000);`,
      1_000,
    );
    expect(r.outcome).toMatchObject({ status: 'failed', reason: 'timed out after 1 s' });
    const pid = Number(r.lines.find((l) => l.startsWith('stdout: child '))?.split(' ')[2]);
    expect(running(pid)).toBe(false);
  });
});
