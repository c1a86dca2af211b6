// Acceptance 4 and 5 of the chain issue: `pnpm devnet` as a user runs it prints a usable
// endpoint; killing the chain mid-run, the client reconnects when it returns. On each runtime.
// And Ctrl-C stops it cleanly: exit 0, its --json stdout holding the one line.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ChainClient } from '../src/client/chainClient.js';
import { type Devnet, startDevnet } from '../src/devnet/index.js';
import { ChainError } from '../src/errors.js';
import { devKeys } from '../src/testing/index.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/**
 * `pnpm devnet ...` as the operator's shell runs it: its bin, in a folder of its own (pnpm runs
 * bins where the operator is, with no INIT_CWD).
 */
function spawnDevnet(args: string[]): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
  delete env.INIT_CWD;
  return spawn(process.execPath, [join(repoRoot, 'packages/chain/bin/devnet.mjs'), ...args], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${out}`)),
      timeoutMs,
    );
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = out.split('\n').find((l) => pattern.test(l));
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`devnet exited with ${code}; output:\n${out}`));
    });
  });
}

describe.each([
  ['spec218', 218],
  ['spec293', 293],
] as const)('pnpm devnet --runtime %s, then the chain killed mid-run', (runtime, specVersion) => {
  let child: ChildProcess | undefined;
  let client: ChainClient | undefined;
  let restarted: Devnet | undefined;

  afterAll(async () => {
    if (child) killGroup(child, 'SIGKILL');
    await client?.close();
    await restarted?.close();
  });

  it('prints a usable endpoint; the client reconnects after a restart and the next calls succeed', async () => {
    const port = await freePort();
    child = spawnDevnet(['--runtime', runtime, '--port', String(port), '--json']);
    const line = await waitForLine(child, /^\{.*"endpoint"/, 180_000);
    const info = JSON.parse(line) as {
      endpoint: string;
      netuid: number;
      specVersion: number;
      wallets: { name: string; hotkey: string }[];
    };
    expect(info.endpoint).toBe(`ws://127.0.0.1:${port}`);
    expect(info.specVersion).toBe(specVersion);
    expect(info.wallets.map((w) => w.name)).toContain('bob');

    client = await ChainClient.connect({
      network: info.endpoint,
      connectTimeoutMs: 5_000,
      reconnect: { minDelayMs: 100, maxDelayMs: 1_000 },
    });
    const mg = await client.metagraph(info.netuid);
    expect(mg.neurons[0]?.hotkey).toBe(info.wallets[0]?.hotkey);
    const { bob } = await devKeys();
    expect(
      await client.burnedRegister({
        netuid: info.netuid,
        coldkey: bob.coldkey,
        hotkey: bob.hotkey.address,
      }),
    ).toBe(1);

    // Kill the chain mid-run.
    const exited = new Promise((r) => child?.once('exit', r));
    killGroup(child, 'SIGKILL');
    await exited;
    child = undefined;
    const down = await client.blockNumber().catch((e: unknown) => e);
    expect(down).toBeInstanceOf(ChainError);
    expect((down as ChainError).code).toBe('CHAIN_CONNECTION');

    // It comes back (a fresh chain on the same port): the next calls succeed, an extrinsic
    // included (the nonce is asked of the chain again, not carried over).
    restarted = await startDevnet({ port, runtime });
    expect(await client.blockNumber()).toBeGreaterThanOrEqual(1);
    expect(client.isConnected).toBe(true);
    expect(
      await client.burnedRegister({
        netuid: restarted.netuid,
        coldkey: bob.coldkey,
        hotkey: bob.hotkey.address,
      }),
    ).toBe(1);
  }, 300_000);
});

describe('pnpm devnet --json, then Ctrl-C', () => {
  let child: ChildProcess | undefined;

  afterAll(() => {
    if (child && child.exitCode === null) killGroup(child, 'SIGKILL');
  });

  it('prints one JSON line on stdout, nothing else there, and exits 0 on SIGINT', async () => {
    child = spawnDevnet(['--port', '0', '--json']);
    let stdout = '';
    child.stdout?.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    const line = await waitForLine(child, /^\{.*"endpoint"/, 180_000);
    expect(JSON.parse(line)).toMatchObject({ netuid: 2, specVersion: 293, blockMode: 'instant' });
    const exited = new Promise<number | null>((r) => child?.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toBe(`${line}\n`);
  }, 240_000);
});
