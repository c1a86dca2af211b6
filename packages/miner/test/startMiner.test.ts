/**
 * The miner's start-up against the real subtensor runtime (chopsticks devnet): it refuses to start
 * unregistered (naming the register command), and once registered it serves its axon on
 * 127.0.0.2, the chain's Axons entry shows it, and a validator gets answers from it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainClient, neuronByHotkey } from '@subnet/chain';
import { type Devnet, startDevnet } from '@subnet/chain/devnet';
import { type DevKeys, devKeys, writeDevWallets } from '@subnet/chain/testing';
import { Dendrite } from '@subnet/protocol';
import { Capacity, TextToImage } from '@subnet/protocol/tasks';
import { EXAMPLE_IMAGE_B64, VALID_TASK_INPUTS } from '@subnet/protocol/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMinerConfig } from '../src/config/loadConfig';
import { hotkeyOfPair } from '../src/daemon/chainViews';
import { type RunningMiner, startMiner } from '../src/daemon/startMiner';
import { lines, runMinerCli } from './support/minerCli';

let devnet: Devnet;
let chain: ChainClient;
let keys: Record<string, DevKeys>;
let walletPath: string;
let running: RunningMiner | undefined;
const log = pino({ level: 'silent' });

const config = (wallet: string, extra: Record<string, unknown> = {}) =>
  loadMinerConfig({
    flags: {
      netuid: String(devnet.netuid),
      subtensor: { network: devnet.endpoint },
      wallet: { name: wallet, hotkey: 'default', path: walletPath },
      axon: { ip: '127.0.0.2', port: '0', external_ip: '127.0.0.2' },
      blacklist: { allow_hotkeys: keys.bob?.hotkey.address },
      tasks: { TextToImage: { models: 'sdxl-turbo', volume: '120' } },
      ...extra,
    },
  });

const backends = {
  TextToImage: async () => ({ image_b64: EXAMPLE_IMAGE_B64, is_nsfw: false }),
};

beforeAll(async () => {
  devnet = await startDevnet();
  chain = await ChainClient.connect({ network: devnet.endpoint, logger: log });
  keys = await devKeys();
  walletPath = mkdtempSync(join(tmpdir(), 'miner-wallets-'));
  await writeDevWallets(walletPath);
}, 240_000);

afterAll(async () => {
  await running?.stop();
  await chain?.close();
  await devnet?.close();
});

describe('pnpm miner start, on the devnet', () => {
  it('refuses to start while unregistered and names the register command', async () => {
    await expect(startMiner(config('charlie'), { log, backends })).rejects.toMatchObject({
      code: 'MINER_NOT_REGISTERED',
      message: `hotkey ${keys.charlie?.hotkey.address} is not registered on subnet ${devnet.netuid}`,
      fix: `register it (it shows the burn and asks before spending): pnpm miner register --netuid ${devnet.netuid} --subtensor.network ${devnet.endpoint} --wallet.name charlie --wallet.hotkey default --wallet.path ${walletPath}`,
    });
  });

  it('once registered, serves its axon on 127.0.0.2 and the chain shows it', async () => {
    const charlie = keys.charlie as DevKeys;
    const uid = await chain.burnedRegister({
      netuid: devnet.netuid,
      coldkey: charlie.coldkey,
      hotkey: charlie.hotkey.address,
    });
    running = await startMiner(config('charlie'), { log, backends });
    expect(running.uid).toBe(uid);
    expect(running.external).toEqual({ ip: '127.0.0.2', port: running.port });
    const mg = await chain.metagraph(devnet.netuid);
    const neuron = neuronByHotkey(mg, charlie.hotkey.address);
    expect(neuron?.axon.ip).toBe('127.0.0.2');
    expect(neuron?.axon.port).toBe(running.port);
    expect(neuron?.axon.protocol).toBe(4);
  });

  it('refuses a configured task that no backend serves, loading backends after registration', async () => {
    let loaded = 0;
    await expect(
      startMiner(config('dave'), {
        log,
        backends: async () => {
          loaded++;
          return {};
        },
      }),
    ).rejects.toMatchObject({ code: 'MINER_NOT_REGISTERED' });
    expect(loaded).toBe(0);
    await expect(
      startMiner(config('charlie'), {
        log,
        backends: async () => {
          loaded++;
          return {};
        },
      }),
    ).rejects.toMatchObject({
      code: 'MINER_TASK_NOT_SERVED',
      message:
        'tasks.TextToImage is configured, but no backend serves TextToImage on this miner (models: sdxl-turbo)',
    });
    expect(loaded).toBe(1);
  });

  it('answers a validator at the address the chain announces', async () => {
    const miner = running as RunningMiner;
    const bob = hotkeyOfPair((keys.bob as DevKeys).hotkey);
    const dendrite = new Dendrite({ hotkey: bob });
    const target = { ip: miner.external.ip, port: miner.external.port, hotkey: miner.hotkey };
    const image = await dendrite.call(target, TextToImage, VALID_TASK_INPUTS.TextToImage);
    const capacity = await dendrite.call(target, Capacity, {});
    await dendrite.close();
    expect(image.dendrite.status_code).toBe(200);
    expect(image.image_b64).toBe(EXAMPLE_IMAGE_B64);
    // bob is admitted by the allow-list without a validator permit: an equal share of one more
    const permits = (await chain.metagraph(devnet.netuid)).neurons.filter(
      (n) => n.validatorPermit,
    ).length;
    expect(capacity.capacities).toEqual({
      TextToImage: {
        volume: Math.floor((120 / (permits + 1)) * 1000) / 1000,
        models: ['sdxl-turbo'],
        loras: [],
      },
    });
  });

  it('a restart with the same address does not serve the axon again', async () => {
    const before = await chain.metagraph(devnet.netuid);
    const port = (running as RunningMiner).port;
    const block = neuronByHotkey(before, (keys.charlie as DevKeys).hotkey.address)?.axon.block;
    await running?.stop();
    running = await startMiner(
      config('charlie', {
        axon: { ip: '127.0.0.2', port: String(port), external_ip: '127.0.0.2' },
      }),
      {
        log,
        backends,
      },
    );
    const after = await chain.metagraph(devnet.netuid);
    expect(neuronByHotkey(after, (keys.charlie as DevKeys).hotkey.address)?.axon.block).toBe(block);
  });
});

/** The CLI as an operator runs it, in a folder of their own. */
const cli = (args: string[]) => runMinerCli(args, { cwd: walletPath });

// Each test starts one or two CLI processes: on busy cores their start-up alone takes many seconds.
describe('pnpm miner register / status (the CLI, as an operator runs it)', {
  timeout: 240_000,
}, () => {
  const chainFlags = () => [
    '--netuid',
    String(devnet.netuid),
    '--subtensor.network',
    devnet.endpoint,
    '--wallet.path',
    walletPath,
  ];

  it('register --yes burns and prints the uid; a second run says it is registered', async () => {
    const first = await cli(['register', ...chainFlags(), '--wallet.name', 'dave', '--yes']);
    expect(first.code).toBe(0);
    const uid = await chain.uidForHotkey(devnet.netuid, (keys.dave as DevKeys).hotkey.address);
    expect(first.out).toContain(`registered as uid ${uid}`);
    const again = await cli(['register', ...chainFlags(), '--wallet.name', 'dave', '--yes']);
    expect(again.out).toContain(`is already registered on subnet ${devnet.netuid} as uid ${uid}`);
  });

  it('register without --yes and without a terminal refuses to spend', async () => {
    const r = await cli(['register', ...chainFlags(), '--wallet.name', 'eve']);
    expect(r.code).toBe(1);
    expect(lines(r.err)).toEqual([
      'pnpm miner register: not a terminal: confirm with --yes to spend the burn [MINER_NOT_CONFIRMED]',
      '  fix: add --yes to the command to spend the burn without being asked',
    ]);
    expect(await chain.uidForHotkey(devnet.netuid, (keys.eve as DevKeys).hotkey.address)).toBe(
      undefined,
    );
  });

  it('start refuses an unregistered hotkey, naming the register command (exit 1)', async () => {
    const r = await cli(['start', ...chainFlags(), '--wallet.name', 'eve', '--axon.port', '0']);
    expect(r.code).toBe(1);
    expect(lines(r.err)).toEqual([
      `pnpm miner start: hotkey ${(keys.eve as DevKeys).hotkey.address} is not registered on subnet ${devnet.netuid} [MINER_NOT_REGISTERED]`,
      `  fix: register it (it shows the burn and asks before spending): pnpm miner register --netuid ${devnet.netuid} --subtensor.network ${devnet.endpoint} --wallet.name eve --wallet.hotkey default --wallet.path ${walletPath}`,
    ]);
  });

  it('status of an unregistered hotkey says so and names the register command', async () => {
    const r = await cli(['status', ...chainFlags(), '--wallet.name', 'eve']);
    expect(r.code).toBe(0);
    expect(lines(r.out)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^hotkey ${(keys.eve as DevKeys).hotkey.address} is not registered on subnet ${devnet.netuid} \\(block \\d+\\)$`,
        ),
      ),
      `  register it: pnpm miner register --netuid ${devnet.netuid} --subtensor.network ${devnet.endpoint} --wallet.name eve --wallet.hotkey default --wallet.path ${walletPath}`,
    ]);
  });

  it('status shows the uid and the axon the chain announces', async () => {
    const miner = running as RunningMiner;
    const r = await cli([
      'status',
      ...chainFlags(),
      '--wallet.name',
      'charlie',
      '--axon.ip',
      '127.0.0.2',
      '--axon.port',
      String(miner.port),
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`uid ${miner.uid}, hotkey ${miner.hotkey}`);
    expect(r.out).toContain(`axon        127.0.0.2:${miner.port}`);
    expect(r.out).toMatch(/local axon {2}ok, tasks/);
  });

  it('models serves the models program (list, and a clear error for an unknown id)', async () => {
    // A relative --cache-dir is taken from the folder the command runs in.
    const list = await cli(['models', 'list', '--cache-dir', 'models-cache']);
    expect(list.code).toBe(0);
    expect(lines(list.out)[0]).toBe(`cache: ${join(walletPath, 'models-cache')}`);
    const pull = await cli(['models', 'pull', 'no-such-model', '--cache-dir', 'models-cache']);
    expect(pull.code).toBe(1);
    expect(lines(pull.err)[0]).toMatch(
      /^pnpm miner models pull: unknown model 'no-such-model' .*\[INFERENCE_UNKNOWN_MODEL\]$/,
    );
  });

  it('a broken flag exits 2 naming the flag', async () => {
    const r = await cli(['start', '--netuid', 'abc']);
    expect(r.code).toBe(2);
    expect(lines(r.err)[0]).toBe(
      'pnpm miner start: --netuid (or SUBNET_MINER_NETUID) must be a number (got "abc") [MINER_CONFIG_INVALID]',
    );
  });
});
