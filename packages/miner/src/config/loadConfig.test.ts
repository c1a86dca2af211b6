import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envTree, loadMinerConfig } from './loadConfig';

describe('loadMinerConfig', () => {
  it('fills defaults and coerces flag strings', () => {
    const c = loadMinerConfig({
      flags: { netuid: '3', axon: { port: '9000' }, blacklist: { allow_hotkeys: 'a, b' } },
    });
    expect(c.netuid).toBe(3);
    expect(c.axon).toEqual({ ip: '0.0.0.0', port: 9000, body_limit_mb: 24 });
    expect(c.wallet).toEqual({ name: 'default', hotkey: 'default', path: '~/.bittensor/wallets' });
    expect(c.blacklist).toEqual({
      min_stake: 0,
      require_validator_permit: true,
      allow_hotkeys: ['a', 'b'],
      deny_hotkeys: [],
    });
    expect(c.limits.default).toEqual({ concurrency: 1, queue: 4 });
    expect(Object.isFrozen(c.axon)).toBe(true);
  });

  it('layers file < env < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'miner-config-'));
    const file = join(dir, 'miner.yaml');
    writeFileSync(
      file,
      'netuid: 1\naxon:\n  port: 8100\nwallet:\n  name: file-wallet\ntasks:\n  TextToImage:\n    models: [sdxl-turbo]\n    volume: 500\n',
    );
    const c = loadMinerConfig({
      file,
      env: { SUBNET_MINER_AXON__PORT: '8200', SUBNET_MINER_WALLET__HOTKEY: 'env-hot', OTHER: 'x' },
      flags: { axon: { port: '8300' } },
    });
    expect(c.netuid).toBe(1);
    expect(c.axon.port).toBe(8300);
    expect(c.wallet).toMatchObject({ name: 'file-wallet', hotkey: 'env-hot' });
    expect(c.tasks.TextToImage).toEqual({ models: ['sdxl-turbo'], volume: 500, loras: [] });
  });

  it('says what was wrong, what it received and how to set it', () => {
    expect(() => loadMinerConfig({ flags: { netuid: 'one', axon: { port: '70000' } } })).toThrow(
      [
        'invalid miner configuration:',
        '  --netuid: Invalid input: expected number, received NaN (received "one"); set it with --netuid <value>, SUBNET_MINER_NETUID, or in the --config file',
        '  --axon.port: Too big: expected number to be <=65535 (received "70000"); set it with --axon.port <value>, SUBNET_MINER_AXON__PORT, or in the --config file',
      ].join('\n'),
    );
    expect(() =>
      loadMinerConfig({ flags: { netuid: '1', tasks: { Painting: { models: 'x', volume: 1 } } } }),
    ).toThrow(/\n {2}--tasks: Unrecognized key: "Painting"$/);
  });

  it('reports an unreadable or broken config file', () => {
    expect(() => loadMinerConfig({ flags: {}, file: '/nonexistent/miner.yaml' })).toThrow(
      /cannot read the config file \/nonexistent\/miner\.yaml/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'miner-config-'));
    writeFileSync(join(dir, 'bad.yaml'), 'netuid: [1\n');
    expect(() => loadMinerConfig({ flags: {}, file: join(dir, 'bad.yaml') })).toThrow(
      /is not valid YAML\/JSON/,
    );
  });

  it('nests environment variables on double underscores', () => {
    expect(envTree({ SUBNET_MINER_LIMITS__DEFAULT__QUEUE: '9', SUBNET_MINER_NETUID: '2' })).toEqual(
      {
        limits: { default: { queue: '9' } },
        netuid: '2',
      },
    );
  });
});

describe('loadMinerConfig models section', () => {
  it('defaults to no models, and fills each entry type with its defaults', () => {
    expect(loadMinerConfig({ flags: { netuid: '1' } }).models).toEqual({
      registry: { manifests: [] },
      budgets: {},
      reload: { backoff_ms: 1000, max_backoff_ms: 60_000 },
      entries: {},
    });
    const c = loadMinerConfig({
      flags: {
        netuid: '1',
        models: {
          budgets: { 'cuda:0': '20000000000' },
          entries: {
            llm: { type: 'llm', providers: 'cuda,cpu' },
            sd: { type: 'diffusion', dir: '/m/sd', clip: 'clip' },
            x2: { type: 'upscaler', file: '/m/x2.onnx', tile: '128' },
            clip: { type: 'clip', file: '/m/clip.onnx' },
            nsfw: { type: 'nsfw', file: '/m/nsfw.onnx', threshold: '0.7' },
          },
        },
      },
    });
    const runtime = { providers: ['cpu'], device_id: 0, threads: 0 };
    expect(c.models.budgets).toEqual({ 'cuda:0': 20_000_000_000 });
    expect(c.models.entries).toEqual({
      llm: { ...runtime, type: 'llm', providers: ['cuda', 'cpu'], decode_mode: 'exact' },
      sd: {
        ...runtime,
        type: 'diffusion',
        dir: '/m/sd',
        clip: 'clip',
        loras: {},
      },
      x2: { ...runtime, type: 'upscaler', file: '/m/x2.onnx', tile: 128, overlap: 16 },
      clip: { ...runtime, type: 'clip', file: '/m/clip.onnx' },
      nsfw: { ...runtime, type: 'nsfw', file: '/m/nsfw.onnx', threshold: 0.7, nsfw_class: 1 },
    });
  });

  it('layers models from the file, the environment and flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'miner-config-'));
    const file = join(dir, 'miner.yaml');
    writeFileSync(
      file,
      'netuid: 1\nmodels:\n  registry: { manifests: [ops.json] }\n  entries:\n    sd: { type: diffusion, dir: /file/sd, device_id: 0 }\n',
    );
    const c = loadMinerConfig({
      file,
      env: { SUBNET_MINER_MODELS__ENTRIES__SD__DEVICE_ID: '1' },
      flags: { models: { entries: { sd: { dir: '/flag/sd' } } } },
    });
    expect(c.models.registry.manifests).toEqual(['ops.json']);
    expect(c.models.entries.sd).toMatchObject({ type: 'diffusion', dir: '/flag/sd', device_id: 1 });
  });

  it('refuses an unknown model type or a misspelt key', () => {
    expect(() =>
      loadMinerConfig({ flags: { netuid: '1', models: { entries: { a: { type: 'gan' } } } } }),
    ).toThrow(
      `\n  --models.entries.a.type: Invalid discriminator value. Expected 'llm' | 'diffusion' | 'upscaler' | 'clip' | 'nsfw' (received "gan"); set it with --models.entries.a.type <value>, SUBNET_MINER_MODELS__ENTRIES__A__TYPE, or in the --config file`,
    );
    expect(() =>
      loadMinerConfig({
        flags: { netuid: '1', models: { entries: { c: { type: 'clip', path: '/m/c.onnx' } } } },
      }),
    ).toThrow(/--models\.entries\.c\.file: Invalid input: expected string, received undefined/);
  });
});

describe('loadMinerConfig typos', () => {
  it('refuses a misspelt flag instead of ignoring it', () => {
    expect(() => loadMinerConfig({ flags: { netuid: '1', axon: { prot: '9000' } } })).toThrow(
      /\n {2}--axon: Unrecognized key: "prot"$/,
    );
  });
});
