/**
 * The ops files operators install (deploy/systemd/*.service, deploy/pm2/ecosystem.config.cjs), used
 * the way the supervisors use them: systemd's own verifier reads the units; the pm2 apps agree with
 * the units on the stop signal, the stop timeout and the exit codes that must not restart; each
 * ExecStart command line parses (flags included) with our CLI; and the miner, started from its
 * unit's command line in its WorkingDirectory with the unit's environment, on the devnet, stops on
 * the unit's KillSignal with exit 0 within TimeoutStopSec, while a configuration error exits with
 * the status the unit refuses to restart on.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ChainClient } from '@subnet/chain';
import { type Devnet, startDevnet } from '@subnet/chain/devnet';
import { type DevKeys, devKeys, writeDevWallets } from '@subnet/chain/testing';
import { silentLogger } from '@subnet/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const UNITS = ['subnet-miner', 'subnet-validator'] as const;

/** A unit file's [Service] (and other sections') settings; a repeated key keeps every value. */
function readUnit(name: string): Record<string, string[]> {
  const text = readFileSync(join(ROOT, 'deploy/systemd', `${name}.service`), 'utf8');
  const out: Record<string, string[]> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m?.[1]) out[m[1]] = [...(out[m[1]] ?? []), m[2] as string];
  }
  return out;
}

function one(unit: Record<string, string[]>, key: string): string {
  const v = unit[key];
  expect({ key, count: v?.length }).toEqual({ key, count: 1 });
  return (v as string[])[0] as string;
}

/** The unit's ExecStart as argv, the install paths mapped onto this checkout. */
function execStart(unit: Record<string, string[]>, configFile: string): string[] {
  const argv = one(unit, 'ExecStart').split(/\s+/);
  expect(argv[0]).toBe('/usr/bin/node');
  return [
    process.execPath,
    ...argv
      .slice(1)
      .map((a) =>
        a.replace('/opt/subnet-node', ROOT).replace(/^\/etc\/subnet\/.*\.yaml$/, configFile),
      ),
  ];
}

interface Pm2App {
  name: string;
  script: string;
  args: string[];
  kill_signal: string;
  kill_timeout: number;
  stop_exit_codes: number[];
  autorestart: boolean;
  cwd: string;
}

const pm2Apps = (): Pm2App[] =>
  (
    createRequire(import.meta.url)(join(ROOT, 'deploy/pm2/ecosystem.config.cjs')) as {
      apps: Pm2App[];
    }
  ).apps;

describe('the systemd units and the pm2 apps', () => {
  const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;

  it.runIf(analyze)('pass systemd-analyze verify with nothing to say', () => {
    for (const name of UNITS) {
      const r = spawnSync(
        'systemd-analyze',
        ['verify', join(ROOT, 'deploy/systemd', `${name}.service`)],
        {
          encoding: 'utf8',
        },
      );
      expect({ name, status: r.status, output: `${r.stdout}${r.stderr}` }).toEqual({
        name,
        status: 0,
        output: '',
      });
    }
  });

  it('stop with SIGTERM to the daemon itself, wait for its drain, and never restart a configuration error', () => {
    for (const name of UNITS) {
      const unit = readUnit(name);
      expect({ name, signal: one(unit, 'KillSignal'), mode: one(unit, 'KillMode') }).toEqual({
        name,
        signal: 'SIGTERM',
        mode: 'mixed',
      });
      expect(Number(one(unit, 'TimeoutStopSec'))).toBeGreaterThanOrEqual(60);
      expect(one(unit, 'Restart')).toBe('on-failure');
      expect(one(unit, 'RestartPreventExitStatus')).toBe('2');
      const app = pm2Apps().find((a) => a.name === name);
      expect(app).toBeDefined();
      expect({
        signal: app?.kill_signal,
        timeoutS: (app?.kill_timeout ?? 0) / 1000,
        noRestart: app?.stop_exit_codes,
        autorestart: app?.autorestart,
      }).toEqual({
        signal: one(unit, 'KillSignal'),
        timeoutS: Number(one(unit, 'TimeoutStopSec')),
        noRestart: [0, 2],
        autorestart: true,
      });
      // pm2 and systemd run the same bin with the same command.
      const bin = one(unit, 'ExecStart').split(/\s+/)[1]?.replace('/opt/subnet-node', ROOT);
      expect(app?.script).toBe(bin);
      expect(existsSync(app?.script as string)).toBe(true);
      expect(app?.args[0]).toBe('start');
    }
  });

  it('have command lines our CLI parses, flags included (each with --help added)', async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'deploy-help-')), 'node.yaml');
    writeFileSync(config, 'netuid: 1\n');
    for (const name of UNITS) {
      const argv = execStart(readUnit(name), config);
      const r = await promisify(execFile)(argv[0] as string, [...argv.slice(1), '--help'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: tmpdir() },
      });
      const program = name === 'subnet-miner' ? 'miner' : 'validator';
      expect(r.stdout.split('\n')[0]).toBe(`Usage: pnpm ${program} start [options]`);
      const app = pm2Apps().find((a) => a.name === name) as Pm2App;
      const pm2 = await promisify(execFile)(process.execPath, [app.script, ...app.args, '--help'], {
        cwd: app.cwd,
        env: { PATH: process.env.PATH ?? '', HOME: tmpdir() },
      });
      expect(pm2.stdout.split('\n')[0]).toBe(`Usage: pnpm ${program} start [options]`);
    }
  });
});

describe('the miner under its unit, on the devnet', { timeout: 240_000 }, () => {
  let devnet: Devnet;

  beforeAll(async () => {
    devnet = await startDevnet();
    const keys = await devKeys();
    const chain = await ChainClient.connect({ network: devnet.endpoint, logger: silentLogger() });
    try {
      const charlie = keys.charlie as DevKeys;
      await chain.burnedRegister({
        netuid: devnet.netuid,
        coldkey: charlie.coldkey,
        hotkey: charlie.hotkey.address,
      });
    } finally {
      await chain.close();
    }
  }, 240_000);

  afterAll(async () => {
    await devnet?.close();
  });

  /** Runs the unit's ExecStart as systemd does: its WorkingDirectory, its Environment, no terminal. */
  async function runUnit(configText: string) {
    const unit = readUnit('subnet-miner');
    const work = mkdtempSync(join(tmpdir(), 'deploy-workdir-'));
    await writeDevWallets(join(work, 'wallets'));
    mkdirSync(join(work, 'etc'));
    const config = join(work, 'etc', 'miner.yaml');
    writeFileSync(config, configText);
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: work };
    for (const e of unit.Environment ?? []) {
      const [k, ...v] = e.split('=');
      env[k as string] = v.join('=');
    }
    const argv = execStart(unit, config);
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd: work,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      err += c;
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((done) =>
      child.on('exit', (code, signal) => done({ code, signal })),
    );
    return { unit, child, exited, out: () => out, err: () => err };
  }

  it("stops on the unit's KillSignal with exit 0 (a clean stop: no restart) within TimeoutStopSec", async () => {
    const run = await runUnit(
      [
        `netuid: ${devnet.netuid}`,
        `subtensor: { network: "${devnet.endpoint}" }`,
        // A relative wallet path is taken from the unit's WorkingDirectory.
        'wallet: { name: charlie, hotkey: default, path: wallets }',
        'axon: { ip: 127.0.0.2, port: 0, external_ip: 127.0.0.2 }',
        '',
      ].join('\n'),
    );
    const deadline = Date.now() + 180_000;
    while (!run.out().includes('"msg":"miner ready"')) {
      const early = await Promise.race([run.exited, new Promise((r) => setTimeout(r, 200))]);
      if (early)
        throw new Error(
          `the miner exited before it was ready: ${JSON.stringify(early)} ${run.err()}`,
        );
      if (Date.now() > deadline) throw new Error(`the miner was not ready in time: ${run.err()}`);
    }
    const signal = one(run.unit, 'KillSignal') as NodeJS.Signals;
    const stopMs = Number(one(run.unit, 'TimeoutStopSec')) * 1000;
    const t0 = Date.now();
    run.child.kill(signal);
    const result = await Promise.race([
      run.exited,
      new Promise((r) => setTimeout(() => r('timeout'), stopMs)),
    ]);
    expect(result).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(stopMs);
    expect(run.out()).toContain('"msg":"stopped"');
  });

  it('exits with the status the unit will not restart on when its configuration is wrong', async () => {
    const run = await runUnit(`subtensor: { network: "${devnet.endpoint}" }\n`);
    const result = await run.exited;
    expect(result.code).toBe(Number(one(run.unit, 'RestartPreventExitStatus')));
    expect(run.err().split('\n')[0]).toContain('--netuid');
  });
});
