/**
 * `pnpm miner …` and `pnpm validator …` as an operator types them in the repository: a handled
 * error prints its one line (and its fix), exits with its code, and pnpm adds no `ELIFECYCLE`
 * line; the commands run in the folder the operator is in.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

async function pnpm(
  args: string[],
  cwd: string,
): Promise<{ code: number; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: mkdtempSync(join(tmpdir(), 'pnpm-home-')),
  };
  delete env.INIT_CWD;
  try {
    const r = await promisify(execFile)('pnpm', args, { cwd, env, timeout: 120_000 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

describe('pnpm miner / pnpm validator in the repository', { timeout: 240_000 }, () => {
  it.each(['miner', 'validator'])(
    'pnpm %s start with a configuration error: exit 2, its line, no ELIFECYCLE',
    async (daemon) => {
      const r = await pnpm([daemon, 'start', '--subtensor.network', 'local'], ROOT);
      expect(r.code).toBe(2);
      expect(r.err.split('\n')[0]).toMatch(new RegExp(`^pnpm ${daemon} start: .*--netuid`));
      expect(`${r.out}${r.err}`).not.toContain('ELIFECYCLE');
    },
  );

  it('runs in the folder the operator is in: a relative --config is read there', async () => {
    const sub = join(ROOT, 'docs');
    const missing = `no-such-${process.pid}.yaml`;
    const r = await pnpm(['miner', 'start', '--config', missing], sub);
    expect(r.code).toBe(2);
    expect(r.err).toContain(join(sub, missing));
    expect(`${r.out}${r.err}`).not.toContain('ELIFECYCLE');
  });

  it('an unknown command is a usage error with the list of commands, without ELIFECYCLE', async () => {
    const r = await pnpm(['validator', 'strat'], ROOT);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe(
      'pnpm validator: unknown command "strat" (did you mean "start"?)',
    );
    expect(r.err).toContain('keys create');
    expect(`${r.out}${r.err}`).not.toContain('ELIFECYCLE');
  });
});
