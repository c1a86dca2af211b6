// The daemon on the real devnet: start-up order from a config, the metagraph followed into
// storage (a replaced hotkey loses its history), weights set from stored scores at the next
// period, and stop() closing storage.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChainClient } from '@subnet/chain';
import type { Devnet } from '@subnet/chain/devnet';
import type { DevKeys } from '@subnet/chain/testing';
import { createTinyLlm, modelsSection, writeModelFixtures } from '@subnet/inference/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadValidatorConfig } from '../src/config/index';
import { startMetagraphSync, startValidator } from '../src/daemon/index';
import { ValidatorError } from '../src/errors';
import { startObservabilityServer, type ValidatorStatus } from '../src/status/index';
import { openStorage } from '../src/storage/index';
import { type EngineHarness, engineHarness } from '../src/storage/testing/index';
import type { WeightsOutcome } from '../src/weights/index';
import {
  captureLogger as captureLines,
  startValidatorSubnet,
  type ValidatorSubnet,
  chainWeights as weightsOnChain,
} from './support/testHelpers';
import { startTestMiner } from './work/support/testMiner';

let devnet: Devnet;
let client: ChainClient;
let harness: EngineHarness;
let keys: ValidatorSubnet['keys'];
let walletDir: string;
let netuid: number;
const lines: Array<Record<string, unknown>> = [];

const captureLogger = () => captureLines(lines);
const chainWeights = (uid: number) => weightsOnChain(devnet, netuid, uid);

async function register(k: DevKeys): Promise<number> {
  return client.burnedRegister({ netuid, coldkey: k.coldkey, hotkey: k.hotkey.address });
}

beforeAll(async () => {
  harness = engineHarness('pglite');
  walletDir = mkdtempSync(join(tmpdir(), 'validator-wallets-'));
  ({ devnet, client, netuid, keys } = await startValidatorSubnet(walletDir));
});

afterAll(async () => {
  await client?.close();
  await devnet?.close();
  await harness?.close();
  rmSync(walletDir, { recursive: true, force: true });
});

function configFor(wallet: string, dataDir: string) {
  return loadValidatorConfig({
    flags: {
      netuid: String(netuid),
      subtensor: { network: devnet.endpoint },
      wallet: { name: wallet, path: walletDir },
      period: { blocks: '5' },
      metagraph: { every_blocks: '1' },
    },
    env: { SUBNET_VALIDATOR_DATA_DIR: dataDir },
  });
}

describe('startValidator', () => {
  it('refuses a hotkey that is not registered, naming it and how to register', async () => {
    const { dataDir } = (await harness.freshConfig()) as { dataDir: string };
    const err = await startValidator(configFor('eve', dataDir), { logger: captureLogger() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ValidatorError);
    expect((err as ValidatorError).code).toBe('VALIDATOR_NOT_REGISTERED');
    expect((err as ValidatorError).message).toBe(
      `hotkey ${keys.eve.hotkey.address} (wallet eve/default) is not registered on subnet ${netuid}`,
    );
    expect((err as ValidatorError).fix).toBe(
      `register it first: pnpm chain register --subtensor.network ${devnet.endpoint} --netuid ${netuid} --wallet.name eve --wallet.hotkey default --wallet.path ${walletDir}`,
    );
  });

  it('starts in order, follows the metagraph, sets weights from stored scores, stops cleanly', async () => {
    const { dataDir } = (await harness.freshConfig()) as { dataDir: string };
    lines.length = 0;
    const outcomes: Array<[number, WeightsOutcome]> = [];
    let wake: () => void = () => undefined;
    let statusUrl = '';
    const config = loadValidatorConfig({
      flags: { ...configFor('bob', dataDir), api: { enabled: 'false', port: '0' } },
    });
    const running = await startValidator(config, {
      logger: captureLogger(),
      onPeriodDone: (period, outcome) => {
        outcomes.push([period, outcome]);
        wake();
      },
      // No organic API: the status page, metrics and health still get their own server.
      services: async (ctx) => {
        const server = await startObservabilityServer(ctx, captureLogger());
        statusUrl = server.url;
        return [server];
      },
    });
    const steps = lines.filter((l) => l.module === 'start').map((l) => l.msg);
    // No work loop was given: the validator says what it will not do and how to change that.
    const idle = steps.find((m) => String(m).startsWith('no work loop'));
    expect(idle).toContain('list the models miners serve under checking.models');
    expect(steps.filter((m) => m !== idle)).toEqual([
      '1/5 wallet: hotkey loaded',
      '2/5 chain: connected',
      '3/5 registration: uid with a validator permit',
      '4/5 storage: open and migrated',
      '5/5 running',
    ]);
    expect(running.uid).toBe(1);
    const mg = await client.metagraph(netuid);
    expect((await running.storage.miners.list()).map((m) => [m.uid, m.hotkey])).toEqual(
      mg.neurons.map((n) => [n.uid, n.hotkey]),
    );

    // Scores as the work loop would store them; weights follow at the next period.
    const storage = running.storage;
    const hotkey = (uid: number) => mg.neurons[uid]?.hotkey ?? '';
    const period = Math.floor(devnet.head() / 5) + 1;
    await storage.scores.recordPeriod([
      {
        period,
        uid: 2,
        taskKind: 'image',
        hotkey: hotkey(2),
        score: 0.6,
        components: {},
        createdMs: 1,
      },
      {
        period,
        uid: 3,
        taskKind: 'image',
        hotkey: hotkey(3),
        score: 0.2,
        components: {},
        createdMs: 1,
      },
    ]);
    const set = new Promise<void>((resolve) => {
      wake = () => {
        if (outcomes.some(([, o]) => o.kind === 'set')) resolve();
      };
    });
    for (let i = 0; i < 12 && !outcomes.some(([, o]) => o.kind === 'set'); i++) {
      await devnet.newBlocks(1);
      await new Promise((r) => setTimeout(r, 200));
    }
    await set;
    // 0.6 and 0.2 → 0.75 / 0.25 → sharpened 0.9 / 0.1 → 65535 and 7282.
    expect(await chainWeights(1)).toEqual({ uids: [2, 3], values: [65535, 7282] });
    const health = await fetch(`${statusUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, storage: { engine: 'pglite' } });
    expect(await (await fetch(`${statusUrl}/v1/models`)).status).toBe(404);
    const status = (await (await fetch(`${statusUrl}/status.json`)).json()) as ValidatorStatus;
    expect(status.validator).toEqual({ hotkey: keys.bob.hotkey.address, uid: 1, netuid });
    expect(status.weights.current?.state).toBe('set');
    expect(status.weights.current?.entries.map((e) => [e.uid, e.weight])).toEqual([
      [2, 65535],
      [3, 7282],
    ]);
    expect(outcomes.find(([, o]) => o.kind === 'set')?.[1]).toMatchObject({ period });

    await running.stop();
    // Storage is closed: the embedded data directory can be opened again by another process.
    const reopened = await openStorage({ engine: 'pglite', dataDir });
    // The period whose weights were set (at its last block) is stored as handled.
    const handled = outcomes.find(([, o]) => o.kind === 'set')?.[0] as number;
    expect(await reopened.state.get('daemon.lastPeriod')).toBeGreaterThanOrEqual(handled);
    await reopened.close();
  });
});

describe('validator start (a real process)', () => {
  it('loads its check models, scores a served miner, sets weights on chain, stops on SIGTERM', async () => {
    const { dataDir } = (await harness.freshConfig()) as { dataDir: string };
    // The validator's own copy of the model the miner serves, written as an operator has it.
    const models = await writeModelFixtures();
    const section = modelsSection(models);
    const configFile = join(walletDir, 'validator.yaml');
    writeFileSync(
      configFile,
      JSON.stringify({
        checking: {
          models: { ...section, entries: { 'tiny-llm': section.entries['tiny-llm'] } },
          // The test makes a block about every 400 ms (below).
          block_ms: 400,
          check_share: 1,
          profile: { max_tokens: '8-12', temperatures: '0.7', max_prompt_chars: 80 },
        },
      }),
    );
    // charlie (uid 2) serves the tiny LLM on chain; dave (uid 3) is registered but serves nothing.
    const llm = await createTinyLlm();
    const miner = await startTestMiner({
      hotkey: keys.charlie.hotkey,
      llm,
      capacities: { Completion: { volume: 2, models: ['tiny-llm'], loras: [] } },
      host: '127.0.0.2',
    });
    await client.serveAxon({
      netuid,
      hotkey: keys.charlie.hotkey,
      ip: '127.0.0.2',
      port: miner.port,
    });

    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('SUBNET_VALIDATOR_')) delete env[k];
    delete env.INIT_CWD;
    const child = spawn(
      process.execPath,
      [
        fileURLToPath(new URL('../bin/validator.mjs', import.meta.url)),
        'start',
        '--config',
        configFile,
        '--netuid',
        String(netuid),
        '--subtensor.network',
        devnet.endpoint,
        '--wallet.name',
        'bob',
        '--wallet.path',
        walletDir,
        '--data-dir',
        dataDir,
        '--period.blocks',
        '5',
        '--metagraph.every_blocks',
        '1',
        '--api.port',
        '0',
        '--api.text_models',
        'tiny-llm',
      ],
      { env, cwd: walletDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const logs: Array<Record<string, unknown>> = [];
    let buffered = '';
    const waiters: Array<() => void> = [];
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        logs.push(JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>);
        buffered = buffered.slice(nl + 1);
        for (const w of waiters) w();
      }
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const logged = (msg: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const check = () => {
          const line = logs.find((l) => l.msg === msg);
          if (line) resolve(line);
        };
        waiters.push(check);
        check();
        void exited.then((code) => reject(new Error(`exited ${code} before logging '${msg}'`)));
      });
    try {
      const url = String((await logged('organic API listening')).url);
      const doc = await fetch(`${url}/openapi.json`);
      expect(doc.status).toBe(200);
      const unauthorized = await fetch(`${url}/v1/models`);
      expect(unauthorized.status).toBe(401);
      expect((await logged('check models loaded')).models).toEqual({
        llm: ['tiny-llm'],
        diffusion: [],
        upscaler: [],
        clip: [],
        nsfw: [],
      });

      // Blocks move the periods on: the work loop queries charlie, checks, scores; weights follow.
      const weightsSet = logged('weights set');
      let done = false;
      void weightsSet.then(() => {
        done = true;
      });
      for (let i = 0; i < 60 && !done; i++) {
        await devnet.newBlocks(1);
        await new Promise((r) => setTimeout(r, 300));
      }
      const set = await weightsSet;
      // Only charlie was served and answered: all the weight is its.
      expect(set.uids).toEqual([2]);
      expect(await chainWeights(1)).toEqual({ uids: [2], values: [65535] });
      expect(miner.served.filter((n) => n === 'Capacity').length).toBeGreaterThanOrEqual(1);
      expect(miner.served.filter((n) => n === 'Completion').length).toBeGreaterThanOrEqual(1);
    } finally {
      child.kill('SIGTERM');
      await miner.close();
      await models.remove();
    }
    expect(await exited).toBe(0);
    const messages = logs.map((l) => l.msg);
    expect(messages.filter((m) => typeof m === 'string' && /^\d\/5 /.test(m))).toEqual([
      '1/5 wallet: hotkey loaded',
      '2/5 chain: connected',
      '3/5 registration: uid with a validator permit',
      '4/5 storage: open and migrated',
      '5/5 running',
    ]);
    const tail = messages.slice(messages.indexOf('signal received'));
    expect(tail[0]).toBe('signal received');
    expect(tail).toContain('storage closed');
    expect(tail.at(-1)).toBe('stopped');
  });
});

describe('metagraph sync', () => {
  it('gives a uid taken by a new hotkey a fresh history', async () => {
    const config = await harness.freshConfig();
    const storage = await openStorage(config);
    const sync = await startMetagraphSync({
      client,
      storage,
      netuid,
      logger: captureLogger(),
      everyBlocks: 1,
    });
    const first = await sync.first;
    // One free uid, no immunity: ferdie fills the subnet, then eve's registration replaces a uid
    // (on spec 293, whose subnet emits, often ferdie's: the newest with the lowest pruning score).
    await devnet.sudoSet({ maxAllowedUids: first.n + 1, immunityPeriod: 0 });
    await register(keys.ferdie);
    await devnet.newBlocks(1);
    let full = first;
    for (let i = 0; i < 20 && full.n === first.n; i++) {
      await new Promise((r) => setTimeout(r, 100));
      full = sync.latest() ?? first;
    }
    expect(full.n).toBe(first.n + 1);
    // Every uid has a history, so the one eve takes loses one.
    for (const n of full.neurons) {
      await storage.scores.setMoving({
        uid: n.uid,
        taskKind: 'text',
        hotkey: n.hotkey,
        score: 0.5,
        samples: 1,
        updatedMs: 1,
      });
    }
    const uid = await register(keys.eve);
    let replaced = false;
    for (let i = 0; i < 10 && !replaced; i++) {
      await devnet.newBlocks(1);
      await new Promise((r) => setTimeout(r, 200));
      replaced = (await storage.miners.get(uid))?.hotkey === keys.eve.hotkey.address;
    }
    await sync.stop();
    expect(replaced).toBe(true);
    const moving = await storage.scores.listMoving();
    expect(uid).toBeLessThan(full.n);
    expect(moving.map((m) => m.uid)).toEqual(
      full.neurons.map((n) => n.uid).filter((u) => u !== uid),
    );
    expect(
      lines.find(
        (l) =>
          l.msg === 'metagraph changed: new and replaced uids start with no history' &&
          (l.replaced as number[]).includes(uid),
      ),
    ).toBeDefined();
    await storage.close();
  });
});
