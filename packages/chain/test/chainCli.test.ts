// `pnpm chain` and `pnpm devnet` as an operator runs them: real processes through the bins, in a
// folder of their own (relative paths are taken from there), with the exit codes and the exact
// lines on stderr for the mistakes and failures an operator meets first.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'bin');
const cwd = mkdtempSync(join(tmpdir(), 'chain-bin-'));

afterAll(() => rmSync(cwd, { recursive: true, force: true }));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBin(bin: 'chain' | 'devnet', args: string[]): Promise<Ran> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: cwd };
  delete env.INIT_CWD;
  delete env.BT_WALLET_PATH;
  delete env.BT_SUBTENSOR_CHAIN_ENDPOINT;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(BIN, `${bin}.mjs`), ...args],
      { cwd, env, encoding: 'utf8', timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
      },
    );
  });
}

describe('pnpm chain (bin/chain.mjs)', () => {
  it('--help: every command, within 80 columns, exit 0', async () => {
    const r = await runBin('chain', ['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('Usage: pnpm chain <command> [options]');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    for (const c of ['wallet create', 'wallet list', 'register', 'metagraph', 'weights policy'])
      expect(lines.some((l) => l.startsWith(`  ${c} `))).toBe(true);
  });

  it('a missing --netuid: exit 2 and what to add', async () => {
    const r = await runBin('chain', ['metagraph']);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'pnpm chain metagraph: --netuid N is required (the subnet id) [USAGE]\n  fix: add --netuid N, e.g. --netuid 2 for the devnet (`pnpm devnet` prints its netuid)\n',
    });
  });

  it('a missing wallet, its folder taken from where the command runs: exit 1, the create command', async () => {
    const r = await runBin('chain', [
      'register',
      '--netuid',
      '2',
      '--wallet.name',
      'ghost',
      '--wallet.path',
      'wallets',
    ]);
    const file = join(cwd, 'wallets/ghost/hotkeys/default');
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: `pnpm chain register: no hotkey file at ${file} (wallet "ghost", hotkey "default") [CHAIN_KEYFILE_NOT_FOUND]\n  fix: create it: \`pnpm chain wallet create --wallet.name ghost --wallet.hotkey default --wallet.path ${join(cwd, 'wallets')}\`\n  cause: no key file at ${file}\n`,
    });
  });

  it('an unreachable chain: exit 1, the URL and how to check it, and the process ends', async () => {
    const r = await runBin('chain', [
      'metagraph',
      '--netuid',
      '2',
      '--subtensor.network',
      'ws://127.0.0.1:1',
    ]);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'pnpm chain metagraph: the chain is unreachable at ws://127.0.0.1:1 (no connection within 10 s) [CHAIN_UNREACHABLE]\n  fix: is a devnet running there? `pnpm devnet` starts one on ws://127.0.0.1:9944 (`--port N` for another port); or pass the right --subtensor.network\n  cause: no connection to ws://127.0.0.1:1 within 10000 ms\n',
    });
  }, 60_000);
});

describe('pnpm devnet (bin/devnet.mjs)', () => {
  it('--help within 80 columns, exit 0', async () => {
    const r = await runBin('devnet', ['--help']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('Usage: pnpm devnet [options]');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
  });

  it('a wrong flag value: exit 2 before anything starts', async () => {
    const r = await runBin('devnet', ['--runtime', 'spec300']);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'pnpm devnet: --runtime "spec300" is not a devnet runtime [USAGE]\n  fix: use one of spec218, spec293\n',
    });
  });
});
