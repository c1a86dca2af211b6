import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envTree, loadMinerConfig } from './loadConfig';
import { catalogEnv } from './resolveSettings';

/** The message of what `fn` throws. */
function messageOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

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

  it('says what was wrong and how to set it, in the flags and variables an operator types', () => {
    expect(messageOf(() => loadMinerConfig({ flags: {} }))).toBe(
      '--netuid (or SUBNET_MINER_NETUID) is required',
    );
    expect(
      messageOf(() => loadMinerConfig({ flags: { netuid: 'one', axon: { port: '70000' } } })),
    ).toBe(
      [
        'the configuration has 2 problems:',
        '  --netuid (or SUBNET_MINER_NETUID) must be a number (got "one")',
        '  --axon.port (or SUBNET_MINER_AXON__PORT) must be at most 65535',
      ].join('\n'),
    );
    expect(
      messageOf(() =>
        loadMinerConfig({
          flags: { netuid: '1', tasks: { Painting: { models: 'x', volume: 1 } } },
        }),
      ),
    ).toBe('--tasks has unknown settings: Painting (check the spelling)');
  });

  it('is MINER_CONFIG_INVALID, exit 2, with the fix', () => {
    let err: unknown;
    try {
      loadMinerConfig({ flags: { netuid: '1', subtensor: { network: 'mainnet' } } });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: 'MINER_CONFIG_INVALID',
      exitCode: 2,
      message:
        '--subtensor.network (or SUBNET_MINER_SUBTENSOR__NETWORK) "mainnet" is not a network',
      fix: 'use finney, test, archive, local or a ws:// or wss:// URL',
    });
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
    expect(
      messageOf(() =>
        loadMinerConfig({ flags: { netuid: '1', models: { entries: { a: { type: 'gan' } } } } }),
      ),
    ).toBe(
      '--models.entries.a.type (or SUBNET_MINER_MODELS__ENTRIES__A__TYPE) must be one of "llm", "diffusion", "upscaler", "clip", "nsfw"',
    );
    expect(
      messageOf(() =>
        loadMinerConfig({
          flags: { netuid: '1', models: { entries: { c: { type: 'clip', path: '/m/c.onnx' } } } },
        }),
      ),
    ).toBe(
      [
        'the configuration has 2 problems:',
        '  --models.entries.c.file (or SUBNET_MINER_MODELS__ENTRIES__C__FILE) is required',
        '  --models.entries.c has unknown settings: path (check the spelling)',
      ].join('\n'),
    );
  });
});

describe('loadMinerConfig typos', () => {
  it('refuses a misspelt flag instead of ignoring it', () => {
    expect(
      messageOf(() => loadMinerConfig({ flags: { netuid: '1', axon: { prot: '9000' } } })),
    ).toBe('--axon has unknown settings: prot (check the spelling)');
  });
});

describe('loadMinerConfig paths and environment', () => {
  const paths = { cwd: '/ops/miner', home: '/home/op' };

  it('resolves every path an operator types from the folder the command was run in', () => {
    const c = loadMinerConfig({
      paths,
      flags: {
        netuid: '1',
        wallet: { path: 'wallets' },
        models: {
          registry: { manifests: ['ops.json', '~/m.json'] },
          entries: {
            sd: {
              type: 'diffusion',
              dir: 'models/sd',
              loras: { px: { path: '../loras/px.safetensors' } },
            },
            x2: { type: 'upscaler', file: '/abs/x2.onnx' },
            clip: { type: 'clip', file: '~/clip.onnx' },
            nsfw: { type: 'nsfw', file: './nsfw.onnx' },
            llm: { type: 'llm' },
          },
        },
      },
    });
    expect(c.wallet.path).toBe('/ops/miner/wallets');
    expect(c.models.registry).toEqual({
      manifests: ['/ops/miner/ops.json', '/home/op/m.json'],
      cache_dir: '/home/op/.cache/subnet/models',
    });
    expect(c.models.entries.sd).toMatchObject({
      dir: '/ops/miner/models/sd',
      loras: { px: { path: '/ops/loras/px.safetensors' } },
    });
    expect(c.models.entries.x2).toMatchObject({ file: '/abs/x2.onnx' });
    expect(c.models.entries.clip).toMatchObject({ file: '/home/op/clip.onnx' });
    expect(c.models.entries.nsfw).toMatchObject({ file: '/ops/miner/nsfw.onnx' });
    expect(c.models.entries.llm).toEqual({
      type: 'llm',
      decode_mode: 'exact',
      providers: ['cpu'],
      device_id: 0,
      threads: 0,
    });
    expect(loadMinerConfig({ paths, flags: { netuid: '1' } }).wallet.path).toBe(
      '/home/op/.bittensor/wallets',
    );
  });

  it('reads a relative --config file from the folder the command was run in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'miner-config-'));
    writeFileSync(join(dir, 'miner.yaml'), 'netuid: 4\nwallet: { path: w }\n');
    const c = loadMinerConfig({ paths: { cwd: dir, home: '/h' }, file: 'miner.yaml', flags: {} });
    expect(c.netuid).toBe(4);
    expect(c.wallet.path).toBe(join(dir, 'w'));
    expect(() =>
      loadMinerConfig({ paths: { cwd: dir, home: '/h' }, file: 'other.yaml', flags: {} }),
    ).toThrow(`cannot read the config file ${join(dir, 'other.yaml')}`);
  });

  it('folds the registry variables in and takes the chain endpoint from the env it is given', () => {
    const env = {
      SUBNET_MODELS_DIR: 'cache',
      SUBNET_MODELS_MANIFEST: 'a.json:/b.json',
      BT_SUBTENSOR_CHAIN_ENDPOINT: 'ws://10.0.0.5:9944',
      VLLM_API_KEY: 'k',
    };
    const c = loadMinerConfig({
      paths,
      env,
      flags: { netuid: '1', models: { registry: { manifests: 'ops.json' } } },
    });
    expect(c.subtensor).toEqual({ network: 'local', endpoint: 'ws://10.0.0.5:9944' });
    expect(c.models.registry).toEqual({
      manifests: ['/ops/miner/a.json', '/b.json', '/ops/miner/ops.json'],
      cache_dir: '/ops/miner/cache',
    });
    // What the model catalog is then given: the variables it would read twice are gone.
    expect(catalogEnv(env)).toEqual({
      BT_SUBTENSOR_CHAIN_ENDPOINT: 'ws://10.0.0.5:9944',
      VLLM_API_KEY: 'k',
    });
    // A configured cache folder wins over the variable.
    expect(
      loadMinerConfig({
        paths,
        env,
        flags: { netuid: '1', models: { registry: { cache_dir: '/srv/models' } } },
      }).models.registry.cache_dir,
    ).toBe('/srv/models');
  });

  it('resolves network names without an environment to the public endpoints', () => {
    const endpoint = (network: string) =>
      loadMinerConfig({ flags: { netuid: '1', subtensor: { network } } }).subtensor.endpoint;
    expect(endpoint('local')).toBe('ws://127.0.0.1:9944');
    expect(endpoint('finney')).toBe('wss://entrypoint-finney.opentensor.ai:443');
    expect(endpoint('ws://10.1.1.1:9944')).toBe('ws://10.1.1.1:9944');
  });
});
