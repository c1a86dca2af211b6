// `pnpm validator doctor` and `start` as processes on the real devnet: doctor passes a healthy
// setup (exit 0, creating nothing) and fails each blocker with its FAIL line (exit 1); start
// creates its data folder, and the first SIGINT drains it (exit 0) while a second one during
// start-up exits at once.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChainClient } from '@subnet/chain';
import type { Devnet } from '@subnet/chain/devnet';
import { modelsSection, writeModelFixtures } from '@subnet/inference/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startValidatorSubnet, type ValidatorSubnet } from './support/testHelpers';

const BIN = fileURLToPath(new URL('../bin/validator.mjs', import.meta.url));

let devnet: Devnet;
let client: ChainClient;
let netuid: number;
let keys: ValidatorSubnet['keys'];
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'validator-doctor-'));
  ({ devnet, client, netuid, keys } = await startValidatorSubnet(join(dir, 'wallets')));
});

afterAll(async () => {
  await client?.close();
  await devnet?.close();
  rmSync(dir, { recursive: true, force: true });
});

function spawnValidator(args: string[]): ChildProcess & {
  output: { stdout: string; stderr: string };
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
} {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('SUBNET_VALIDATOR_')) delete env[k];
  delete env.INIT_CWD;
  env.HOME = join(dir, 'home');
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    output.stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    output.stderr += c;
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return Object.assign(child, { output, closed });
}

/** `doctor` with the healthy flags, `extra` overriding them. */
async function doctor(extra: string[] = []) {
  const child = spawnValidator([
    'doctor',
    '--netuid',
    String(netuid),
    '--subtensor.network',
    devnet.endpoint,
    '--wallet.name',
    'bob',
    '--wallet.path',
    'wallets',
    '--data-dir',
    'db-doctor',
    '--api.port',
    '0',
    ...extra,
  ]);
  const { code } = await child.closed;
  return {
    code,
    lines: child.output.stdout.split('\n').filter(Boolean),
    stderr: child.output.stderr,
  };
}

const failLines = (lines: readonly string[]) => lines.filter((l) => l.startsWith('[FAIL]'));

describe('validator doctor', () => {
  it('passes a healthy devnet setup and creates nothing', async () => {
    const r = await doctor();
    expect(failLines(r.lines), r.lines.join('\n')).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.lines[0]).toMatch(/^\[ok {2}\] Node\.js version +Node\.js \d+\.\d+\.\d+$/);
    expect(r.lines.find((l) => l.startsWith('[WARN] database'))).toMatch(
      new RegExp(`^\\[WARN\\] database +no database at ${join(dir, 'db-doctor')} yet$`),
    );
    expect(r.lines.at(-1)).toMatch(/^no blockers, \d+ warnings?$/);
    expect(existsSync(join(dir, 'db-doctor'))).toBe(false);
  });

  it.each([
    [
      'a missing wallet',
      ['--wallet.name', 'nobody'],
      () =>
        `wallet files +no hotkey file at ${join(dir, 'wallets', 'nobody', 'hotkeys', 'default')}`,
    ],
    [
      'a hotkey that is not registered',
      ['--wallet.name', 'eve'],
      () => `registration +hotkey ${keys.eve.hotkey.address} is not registered on subnet ${netuid}`,
    ],
    [
      'an unreachable chain',
      ['--subtensor.network', 'ws://127.0.0.1:1'],
      () =>
        'chain reachable +the chain is unreachable at ws://127.0.0.1:1 \\(no connection within 10 s\\)',
    ],
    [
      'an unreachable database',
      ['--database-url', 'postgres://v:secret@127.0.0.1:1/validator'],
      () =>
        'database +the database is unreachable at postgres://v:\\*\\*\\*@127\\.0\\.0\\.1:1/validator \\(connect ECONNREFUSED 127\\.0\\.0\\.1:1\\)',
    ],
  ])(
    'fails %s with exit 1 and its FAIL line',
    async (_what, extra, fail) => {
      const r = await doctor(extra);
      expect(r.code).toBe(1);
      expect(failLines(r.lines), r.lines.join('\n')).toEqual([
        expect.stringMatching(new RegExp(`^\\[FAIL\\] ${fail()}$`)),
      ]);
      expect(r.lines.at(-1)).toMatch(
        /^1 blocker, \d+ warnings?: fix the blockers before starting$/,
      );
      expect(r.stderr.split('\n')).toEqual([
        'pnpm validator doctor: 1 blocker found [DOCTOR_BLOCKERS]',
        '  fix: fix each FAIL line above, then run `pnpm validator doctor` again',
        '',
      ]);
    },
    120_000,
  );

  it('checks the check models: providers, registry files and hashes, the other files', async () => {
    const models = await writeModelFixtures();
    try {
      const section = modelsSection(models);
      const entries = { ...section.entries, 'tiny-x2': { type: 'upscaler', file: 'no/x2.onnx' } };
      writeFileSync(
        join(dir, 'models.yaml'),
        JSON.stringify({ checking: { models: { ...section, entries } } }),
      );
      const r = await doctor(['--config', 'models.yaml']);
      expect(r.code).toBe(1);
      const line = (name: string) => r.lines.find((l) => l.slice(7).startsWith(`${name} `));
      expect(line('execution providers')).toMatch(/^\[ok {2}\] execution providers +cpu on cpu$/);
      expect(line('model files')).toMatch(/^\[ok {2}\] model files +1 model, .*, sha256 checked$/);
      expect(failLines(r.lines)).toEqual([
        `[FAIL] check model files    checking.models.entries.tiny-x2: no model file at ${join(dir, 'no', 'x2.onnx')}`,
      ]);
    } finally {
      await models.remove();
    }
  });

  it('fails a taken API port with exit 1 and its FAIL line', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await doctor(['--api.port', String(port)]);
      expect(r.code).toBe(1);
      expect(failLines(r.lines)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^\\[FAIL\\] API port +127\\.0\\.0\\.1:${port} cannot be listened on \\(EADDRINUSE\\)$`,
          ),
        ),
      ]);
    } finally {
      server.close();
    }
  });
});

describe('validator start', () => {
  const startArgs = (dataDir: string) => [
    'start',
    '--netuid',
    String(netuid),
    '--subtensor.network',
    devnet.endpoint,
    '--wallet.name',
    'bob',
    '--wallet.path',
    'wallets',
    '--data-dir',
    dataDir,
    '--api.port',
    '0',
  ];
  const waitForLine = (child: ReturnType<typeof spawnValidator>, msg: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (child.output.stdout.split('\n').some((l) => l.includes(`"msg":"${msg}"`))) resolve();
      };
      child.stdout?.on('data', check);
      void child.closed.then((c) =>
        reject(new Error(`exited ${JSON.stringify(c)} before '${msg}': ${child.output.stderr}`)),
      );
      check();
    });

  it('creates its data folder, and stops on SIGINT with exit 0', async () => {
    const child = spawnValidator(startArgs('state/db'));
    await waitForLine(child, '5/5 running');
    expect(existsSync(join(dir, 'state', 'db', 'PG_VERSION'))).toBe(true);
    child.kill('SIGINT');
    expect(await child.closed).toEqual({ code: 0, signal: null });
    const messages = child.output.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages.slice(messages.indexOf('signal received'))).toEqual(
      expect.arrayContaining(['signal received', 'storage closed', 'stopped']),
    );
    expect(messages.at(-1)).toBe('stopped');
  });

  it('exits at once (130) on a second SIGINT', async () => {
    const child = spawnValidator(startArgs('state/db2'));
    await waitForLine(child, '1/5 wallet: hotkey loaded');
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    expect(await child.closed).toEqual({ code: 130, signal: null });
  });
});
