/**
 * `pnpm miner` as a process, with no chain: the bin runs in the operator's folder, relative
 * `--config` and `--wallet.path` are taken from it, and the errors an operator meets before the
 * chain (a missing wallet) or at it (no chain at the address) name the cause and the exact fix,
 * with exit code 1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDevWallets } from '@subnet/chain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, runMinerCli } from './support/minerCli';

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'miner-cli-'));
  await writeDevWallets(join(dir, 'wallets'));
  // A chain nobody listens on; the wallet path relative, as an operator writes it.
  writeFileSync(
    join(dir, 'miner.yaml'),
    'netuid: 1\nsubtensor: { network: "ws://127.0.0.1:1" }\nwallet: { name: alice, path: wallets }\naxon: { port: 0 }\n',
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each test starts node with tsx: on two busy cores that alone takes seconds.
describe('pnpm miner as a process', { timeout: 120_000 }, () => {
  it('--help from any folder: exit 0, the command list on stdout', async () => {
    const r = await runMinerCli(['--help'], { cwd: dir });
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect(lines(r.out)[0]).toBe('Usage: pnpm miner <command> [options]');
  });

  it('a missing wallet names the file, from the folder the command was run in, and the command that creates it', async () => {
    const r = await runMinerCli(['start', '--config', 'miner.yaml', '--wallet.path', 'nowhere'], {
      cwd: dir,
    });
    expect(r.code).toBe(1);
    expect(lines(r.err)).toEqual([
      `pnpm miner start: no hotkey file at ${dir}/nowhere/alice/hotkeys/default (the hotkey 'default' of wallet 'alice') [MINER_WALLET_MISSING]`,
      `  fix: create it with \`pnpm chain wallet create --wallet.name alice --wallet.hotkey default --wallet.path ${dir}/nowhere\`, or point --wallet.name, --wallet.hotkey and --wallet.path at an existing one`,
    ]);
  });

  it('a missing hotkey of an existing wallet: the command creates only the hotkey', async () => {
    const [status, register] = await Promise.all([
      runMinerCli(['status', '--config', 'miner.yaml', '--wallet.hotkey', 'spare'], { cwd: dir }),
      runMinerCli(['register', '--config', 'miner.yaml', '--wallet.hotkey', 'spare'], {
        cwd: dir,
      }),
    ]);
    for (const [r, command] of [
      [status, 'status'],
      [register, 'register'],
    ] as const) {
      expect(r.code).toBe(1);
      expect(lines(r.err)).toEqual([
        `pnpm miner ${command}: no hotkey file at ${dir}/wallets/alice/hotkeys/spare (the hotkey 'spare' of wallet 'alice') [MINER_WALLET_MISSING]`,
        `  fix: create it with \`pnpm chain wallet create --wallet.name alice --wallet.hotkey spare --wallet.path ${dir}/wallets --hotkey-only\`, or point --wallet.name, --wallet.hotkey and --wallet.path at an existing one`,
      ]);
    }
  });

  it('an unreachable chain: MINER_CHAIN_UNREACHABLE with the URL (start, status, register), a FAIL line (doctor)', async () => {
    // The wallet is found (relative to the folder, from the relative --config), so each command
    // gets as far as the chain. start waits 30 s for the chain, the commands 10 s.
    const [start, status, register, doctor] = await Promise.all([
      runMinerCli(['start', '--config', 'miner.yaml'], { cwd: dir }),
      runMinerCli(['status', '--config', 'miner.yaml'], { cwd: dir }),
      runMinerCli(['register', '--config', 'miner.yaml', '--yes'], { cwd: dir }),
      runMinerCli(['doctor', '--config', 'miner.yaml'], { cwd: dir }),
    ]);
    for (const [r, command] of [
      [start, 'start'],
      [status, 'status'],
      [register, 'register'],
    ] as const) {
      expect(r.code).toBe(1);
      expect(lines(r.err).slice(0, 2)).toEqual([
        `pnpm miner ${command}: the chain is unreachable at ws://127.0.0.1:1 [MINER_CHAIN_UNREACHABLE]`,
        '  fix: is a devnet running there? `pnpm devnet` starts one on ws://127.0.0.1:9944 (`--port N` for another port); or pass the right --subtensor.network',
      ]);
    }
    // start logged its steps up to the chain, with the wallet folder taken from where it ran.
    expect(start.out).toContain(`"path":"${dir}/wallets","msg":"loading hotkey"`);
    expect(doctor.code).toBe(1);
    expect(doctor.out).toMatch(
      /^\[FAIL\] chain reachable +the chain is unreachable at ws:\/\/127\.0\.0\.1:1 \(no connection within 10 s\)$/m,
    );
    expect(doctor.out).toMatch(
      /^\[ok {2}\] wallet files +hotkey 5\w+ \(wallet alice\/default in /m,
    );
    expect(lines(doctor.err)[0]).toBe('pnpm miner doctor: 1 blocker found [DOCTOR_BLOCKERS]');
  });
});
