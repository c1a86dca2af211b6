// `pnpm validator` as a process (bin/validator.mjs in the operator's folder, no INIT_CWD): the
// help, exit codes and first lines of mistakes, paths taken from the folder it runs in, keys in
// the daemon's storage, and a start that cannot reach its wallet or its chain.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDevWallets } from '@subnet/chain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../src/storage/index';

const BIN = fileURLToPath(new URL('../bin/validator.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'validator-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the validator in `cwd` (default `dir`), as pnpm's exec fallback runs it: no INIT_CWD. */
function validator(args: string[], options: { cwd?: string } = {}): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('SUBNET_VALIDATOR_')) delete env[k];
  delete env.INIT_CWD;
  env.HOME = join(dir, 'home');
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? dir, env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  return new Promise((resolve) =>
    child.once('close', (status) => resolve({ status, stdout, stderr })),
  );
}

const firstLine = (text: string) => text.split('\n')[0];

beforeAll(async () => {
  await writeDevWallets(join(dir, 'wallets'));
});

describe('validator --help', () => {
  it('lists every command within 80 columns', async () => {
    const r = await validator(['--help']);
    expect(r.status).toBe(0);
    const commands = r.stdout
      .split('\n')
      .filter((l) => /^ {2}\S/.test(l))
      .map((l) => l.trim().split(/\s{2,}/)[0]);
    expect(commands).toEqual(['start', 'doctor', 'keys create', 'keys list', 'keys revoke <id>']);
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });
});

describe('validator start: mistakes', () => {
  it('exits 2 on a missing --netuid, naming the flag and its variable', async () => {
    const r = await validator(['start']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      [
        'pnpm validator start: --netuid (or SUBNET_VALIDATOR_NETUID) is required [VALIDATOR_CONFIG_INVALID]',
        '  fix: set it by flag, environment variable or in the --config file (--help lists the flags)',
        '',
      ].join('\n'),
    );
  });

  it('exits 2 on a value that is not a number', async () => {
    const r = await validator(['start', '--netuid', 'abc']);
    expect(r.status).toBe(2);
    expect(firstLine(r.stderr)).toBe(
      'pnpm validator start: --netuid (or SUBNET_VALIDATOR_NETUID) must be a number (got "abc") [VALIDATOR_CONFIG_INVALID]',
    );
  });

  it('exits 2 on an unknown flag, with the one meant', async () => {
    const r = await validator(['start', '--netuid', '1', '--subtensor.netwrk', 'local']);
    expect(r.status).toBe(2);
    expect(firstLine(r.stderr)).toBe(
      'pnpm validator start: unknown option --subtensor.netwrk (did you mean --subtensor.network?) [USAGE]',
    );
  });

  it('exits 2 on an unknown command', async () => {
    const r = await validator(['frob']);
    expect(r.status).toBe(2);
    expect(firstLine(r.stderr)).toBe('pnpm validator: unknown command "frob"');
  });

  it('exits 1 on a missing wallet, naming the file and the command that creates it', async () => {
    const r = await validator([
      'start',
      '--netuid',
      '1',
      '--wallet.name',
      'nobody',
      '--wallet.path',
      'wallets',
    ]);
    expect(r.status).toBe(1);
    const wallets = join(dir, 'wallets');
    expect(r.stderr.split('\n').slice(0, 2)).toEqual([
      `pnpm validator start: no hotkey file at ${join(wallets, 'nobody', 'hotkeys', 'default')} (wallet nobody, hotkey default) [VALIDATOR_WALLET_MISSING]`,
      `  fix: create it with \`pnpm chain wallet create --wallet.name nobody --wallet.hotkey default --wallet.path ${wallets}\`, or point --wallet.name, --wallet.hotkey and --wallet.path at an existing one`,
    ]);
  });

  it('takes a relative --config, and the paths in it, from the folder it runs in', async () => {
    const cwd = join(dir, 'operator');
    mkdirSync(join(cwd, 'etc'), { recursive: true });
    writeFileSync(
      join(cwd, 'etc', 'validator.yaml'),
      'netuid: 3\nwallet: { name: ghost, hotkey: hk, path: my-wallets }\n',
    );
    const r = await validator(['start', '--config', 'etc/validator.yaml'], { cwd });
    expect(r.status).toBe(1);
    expect(firstLine(r.stderr)).toBe(
      `pnpm validator start: no hotkey file at ${join(cwd, 'my-wallets', 'ghost', 'hotkeys', 'hk')} (wallet ghost, hotkey hk) [VALIDATOR_WALLET_MISSING]`,
    );
    const missing = await validator(['start', '--config', 'etc/nothing.yaml'], { cwd });
    expect(missing.status).toBe(2);
    expect(firstLine(missing.stderr)).toMatch(
      new RegExp(
        `^pnpm validator start: cannot read the config file ${join(cwd, 'etc', 'nothing.yaml')}: ENOENT`,
      ),
    );
  });

  it('exits 1 on an unreachable chain, naming the endpoint', async () => {
    const r = await validator([
      'start',
      '--netuid',
      '1',
      '--subtensor.network',
      'ws://127.0.0.1:1',
      '--wallet.name',
      'bob',
      '--wallet.path',
      'wallets',
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n').slice(0, 3)).toEqual([
      'pnpm validator start: the chain is unreachable at ws://127.0.0.1:1 [VALIDATOR_CHAIN_UNREACHABLE]',
      '  fix: is a devnet running there? `pnpm devnet` starts one on ws://127.0.0.1:9944 (`--port N` for another port); or pass the right --subtensor.network',
      '  cause: no connection to ws://127.0.0.1:1 within 30000 ms',
    ]);
  }, 90_000);
});

describe('validator keys', () => {
  it('works on the database at a relative --data-dir, taken from the folder it runs in', async () => {
    const cwd = join(dir, 'keys-op');
    mkdirSync(cwd);
    // The daemon's database, as `start` leaves it.
    await (await openStorage({ engine: 'pglite', dataDir: join(cwd, 'db') })).close();
    const created = await validator(
      ['keys', 'create', '--name', 'ops', '--rate-limit', '5', '--data-dir', 'db'],
      { cwd },
    );
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const id = /^id: +([0-9a-f]{12})$/m.exec(created.stdout)?.[1];
    expect(created.stdout).toMatch(new RegExp(`^secret: +sn_${id}_[A-Za-z0-9_-]{43}$`, 'm'));
    const listed = await validator(['keys', 'list', '--json', '--data-dir', join(cwd, 'db')]);
    expect(listed.status).toBe(0);
    const keys = JSON.parse(listed.stdout) as Array<{
      id: string;
      name: string;
      rateLimitPerMinute: number;
    }>;
    expect(keys.map((k) => [k.id, k.name, k.rateLimitPerMinute])).toEqual([[id, 'ops', 5]]);
  });

  it('refuses a relative --data-dir that does not exist, and creates nothing', async () => {
    const cwd = join(dir, 'keys-typo');
    mkdirSync(cwd);
    const r = await validator(['keys', 'list', '--data-dir', 'dbb/x'], { cwd });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      [
        `pnpm validator keys list: there is no validator database at ${join(cwd, 'dbb', 'x')} (the folder does not exist) [VALIDATOR_NO_DATABASE]`,
        `  fix: start the validator once with --data-dir ${join(cwd, 'dbb', 'x')}, or check the path`,
        '',
      ].join('\n'),
    );
    expect(existsSync(join(cwd, 'dbb'))).toBe(false);
  });
});
