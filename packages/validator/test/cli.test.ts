// `validator` as a process: keys forwarded to the keys command, start refusing bad
// configuration (exit 2) and a missing wallet (exit 1) with readable messages.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'validator-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function validator(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
  for (const k of Object.keys(env)) if (k.startsWith('SUBNET_VALIDATOR_')) delete env[k];
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('validator keys', () => {
  it('creates and lists keys in the daemon storage', () => {
    const dataDir = join(dir, 'db');
    const created = validator(
      'keys',
      'create',
      '--name',
      'ops',
      '--rate-limit',
      '5',
      '--data-dir',
      dataDir,
    );
    expect(created.status).toBe(0);
    const id = /^id: +([0-9a-f]{12})$/m.exec(created.stdout)?.[1];
    expect(created.stdout).toMatch(new RegExp(`^secret: +sn_${id}_[A-Za-z0-9_-]{43}$`, 'm'));
    const listed = validator('keys', 'list', '--json', '--data-dir', dataDir);
    expect(listed.status).toBe(0);
    const keys = JSON.parse(listed.stdout) as Array<{
      id: string;
      name: string;
      rateLimitPerMinute: number;
    }>;
    expect(keys.map((k) => [k.id, k.name, k.rateLimitPerMinute])).toEqual([[id, 'ops', 5]]);
  });
});

describe('validator start', () => {
  it('exits 2 naming the wrong flag', () => {
    const r = validator('start', '--netuid', 'abc');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'validator: invalid validator configuration:\n  --netuid: Invalid input: expected number, received NaN (received "abc"); set it with --netuid <value>, SUBNET_VALIDATOR_NETUID, or in the --config file\n',
    );
  });

  it('exits 2 on an unknown command', () => {
    const r = validator('frob');
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('Unknown command: frob');
  });

  it('exits 1 when the wallet has no hotkey, naming the file', () => {
    const r = validator('start', '--netuid', '1', '--wallet.name', 'nobody', '--wallet.path', dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `validator: no key file at ${join(dir, 'nobody', 'hotkeys', 'default')} [CHAIN_KEYFILE_NOT_FOUND]\n`,
    );
  });
});
