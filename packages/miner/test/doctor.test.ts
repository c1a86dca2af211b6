/**
 * `pnpm miner doctor` as a process against the devnet (a real subtensor runtime in chopsticks):
 * on a healthy setup every check passes and it exits 0; each blocker an operator meets (no
 * wallet, not registered, the axon's port taken, no chain, a model missing) is a FAIL line with
 * its fix, and exit 1. The settings come from a config file with relative paths, taken from the
 * folder the command runs in.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainClient } from '@subnet/chain';
import { type Devnet, startDevnet } from '@subnet/chain/devnet';
import { type DevKeys, devKeys, writeDevWallets } from '@subnet/chain/testing';
import { type ModelFixtures, modelsSection, writeModelFixtures } from '@subnet/inference/testing';
import { silentLogger } from '@subnet/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, lines, runMinerCli } from './support/minerCli';

let devnet: Devnet;
let keys: Record<string, DevKeys>;
let fixtures: ModelFixtures;
let dir: string;
let port: number;
let uid: number | undefined;

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.2', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

function writeConfig(file: string, models: unknown) {
  writeFileSync(
    join(dir, file),
    JSON.stringify({
      netuid: devnet.netuid,
      subtensor: { network: devnet.endpoint },
      wallet: { name: 'charlie', hotkey: 'default', path: 'wallets' },
      axon: { ip: '127.0.0.2', port },
      tasks: { TextToImage: { models: ['tiny-sd'], volume: 10 } },
      models,
    }),
  );
}

beforeAll(async () => {
  devnet = await startDevnet();
  keys = await devKeys();
  dir = mkdtempSync(join(tmpdir(), 'miner-doctor-'));
  await writeDevWallets(join(dir, 'wallets'));
  const chain = await ChainClient.connect({ network: devnet.endpoint, logger: silentLogger() });
  const charlie = keys.charlie as DevKeys;
  uid = await chain.burnedRegister({
    netuid: devnet.netuid,
    coldkey: charlie.coldkey,
    hotkey: charlie.hotkey.address,
  });
  await chain.close();
  fixtures = await writeModelFixtures();
  port = await freePort();
  writeConfig('miner.yaml', modelsSection(fixtures));
  // The same, with the diffusion model's folder not there (relative: taken from the folder).
  const section = modelsSection(fixtures);
  writeConfig('missing-model.yaml', {
    ...section,
    entries: {
      ...section.entries,
      'tiny-sd': { ...section.entries['tiny-sd'], dir: 'no-such-model' },
    },
  });
}, 240_000);

afterAll(async () => {
  await devnet?.close();
  await fixtures?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Status = 'ok' | 'WARN' | 'FAIL' | 'skip';

/** Each check's line as { status, detail }, by check name. */
function checks(out: string): Map<string, { status: Status; detail: string }> {
  const found = new Map<string, { status: Status; detail: string }>();
  for (const line of lines(out)) {
    const m = /^\[(ok|WARN|FAIL|skip) *\] (.+?) {2,}(.*)$/.exec(line);
    if (m) found.set(m[2] as string, { status: m[1] as Status, detail: m[3] as string });
  }
  return found;
}

const doctor = (args: string[] = []) =>
  runMinerCli(['doctor', '--config', 'miner.yaml', ...args], { cwd: dir, timeoutMs: 180_000 });

function expectOneBlocker(r: CliResult) {
  expect(r.code).toBe(1);
  expect(lines(r.err)[0]).toBe('pnpm miner doctor: 1 blocker found [DOCTOR_BLOCKERS]');
  expect(lines(r.out).at(-1)).toMatch(
    /^1 blocker, \d warnings?: fix the blockers before starting$/,
  );
}

describe('pnpm miner doctor on the devnet', { timeout: 300_000 }, () => {
  it('a healthy setup: every check ok (GPU memory skipped on a CPU-only miner), exit 0', async () => {
    const r = await doctor();
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    const found = checks(r.out);
    expect([...found.keys()]).toEqual([
      'Node.js version',
      'execution providers',
      'GPU memory',
      'axon port',
      'wallet files',
      'wallet permissions',
      'chain reachable',
      'subnet',
      'registration',
      'model files',
      'tasks and models',
    ]);
    for (const [name, { status }] of found) {
      if (name === 'GPU memory') expect(status).toBe('skip');
      else if (name !== 'Node.js version') expect({ name, status }).toEqual({ name, status: 'ok' });
      else expect(['ok', 'WARN']).toContain(status);
    }
    const charlie = (keys.charlie as DevKeys).hotkey.address;
    expect(found.get('axon port')?.detail).toBe(`127.0.0.2:${port} is free`);
    expect(found.get('wallet files')?.detail).toBe(
      `hotkey ${charlie} (wallet charlie/default in ${dir}/wallets)`,
    );
    expect(found.get('registration')?.detail).toBe(
      `hotkey ${charlie} is uid ${uid} on subnet ${devnet.netuid}`,
    );
    expect(found.get('model files')?.detail).toMatch(/^1 model, .+, sha256 checked$/);
    expect(found.get('tasks and models')?.detail).toBe('TextToImage: tiny-sd');
    expect(lines(r.out).at(-1)).toMatch(/^no blockers, [01] warnings?$/);
  });

  it('each blocker is a FAIL line with its fix, and exit 1', async () => {
    const taken: Server = createServer();
    await new Promise<void>((done) => taken.listen(port, '127.0.0.2', done));
    // The port is held until every run is done; the others listen on any free port.
    const anyPort = ['--axon.port', '0'];
    const [noWallet, unregistered, noChain, noModel, busy] = await Promise.all([
      doctor(['--wallet.name', 'nobody', ...anyPort]),
      doctor(['--wallet.name', 'dave', ...anyPort]),
      doctor(['--subtensor.network', 'ws://127.0.0.1:1', ...anyPort]),
      runMinerCli(['doctor', '--config', 'missing-model.yaml', ...anyPort], {
        cwd: dir,
        timeoutMs: 180_000,
      }),
      doctor(),
    ]).finally(() => new Promise<void>((done) => taken.close(() => done())));

    expectOneBlocker(noWallet);
    expect(checks(noWallet.out).get('wallet files')).toEqual({
      status: 'FAIL',
      detail: `no hotkey file at ${dir}/wallets/nobody/hotkeys/default`,
    });
    expect(noWallet.out).toContain(
      `fix: create it: \`pnpm chain wallet create --wallet.name nobody --wallet.hotkey default --wallet.path ${dir}/wallets\``,
    );
    expect(checks(noWallet.out).get('registration')?.status).toBe('skip');

    expectOneBlocker(unregistered);
    const dave = (keys.dave as DevKeys).hotkey.address;
    expect(checks(unregistered.out).get('registration')).toEqual({
      status: 'FAIL',
      detail: `hotkey ${dave} is not registered on subnet ${devnet.netuid}`,
    });
    expect(unregistered.out).toContain(
      `fix: register it: \`pnpm miner register --subtensor.network ${devnet.endpoint} --netuid ${devnet.netuid} --wallet.name dave --wallet.hotkey default --wallet.path ${dir}/wallets\``,
    );

    expectOneBlocker(noChain);
    expect(checks(noChain.out).get('chain reachable')).toEqual({
      status: 'FAIL',
      detail: 'the chain is unreachable at ws://127.0.0.1:1 (no connection within 10 s)',
    });
    expect(checks(noChain.out).get('subnet')?.status).toBe('skip');

    expectOneBlocker(noModel);
    expect(checks(noModel.out).get('tasks and models')).toMatchObject({ status: 'FAIL' });
    expect(checks(noModel.out).get('tasks and models')?.detail).toContain(
      `${dir}/no-such-model has no text_encoder/model.onnx`,
    );

    expectOneBlocker(busy);
    expect(checks(busy.out).get('axon port')).toEqual({
      status: 'FAIL',
      detail: `127.0.0.2:${port} cannot be listened on (EADDRINUSE)`,
    });
  });
});
