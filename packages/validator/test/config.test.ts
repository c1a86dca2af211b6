// The validator's configuration: defaults < file < env < flags, strict, with errors that name
// the flag, its variable and what is wrong; every path absolute, taken from where the operator
// ran the command.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadValidatorConfig } from '../src/config/index';
import type { LoadConfigInput } from '../src/config/loadConfig';
import { ValidatorError } from '../src/errors';
import { profileOf } from '../src/work/openCheckModels';

const dir = mkdtempSync(join(tmpdir(), 'validator-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** The operator ran the command in `dir`; their home is /home/op. */
const paths = { cwd: dir, home: '/home/op' };
const load = (input: Omit<LoadConfigInput, 'paths'>) => loadValidatorConfig({ ...input, paths });

function errorOf(fn: () => unknown): ValidatorError {
  try {
    fn();
  } catch (e) {
    return e as ValidatorError;
  }
  throw new Error('expected an error');
}

describe('loadValidatorConfig', () => {
  it('fills the defaults around the required netuid', () => {
    expect(load({ flags: { netuid: '7' } })).toEqual({
      netuid: 7,
      subtensor: { network: 'ws://127.0.0.1:9944' },
      wallet: { name: 'default', hotkey: 'default', path: '/home/op/.bittensor/wallets' },
      data_dir: '/home/op/.subnet/validator/db',
      api: {
        enabled: true,
        host: '127.0.0.1',
        port: 8090,
        text_models: [],
        image_models: [],
      },
      metagraph: { every_blocks: 5 },
      period: { blocks: 360 },
      weights: { task_shares: {}, mechanisms: {} },
      checking: {
        models: { registry: { manifests: [] }, budgets: {}, entries: {} },
        check_share: 0.5,
        head_to_head_share: 0.25,
        llm_sample_match: false,
        block_ms: 12_000,
        profile: {},
      },
      // Every bound of the work section defaults to the work package's settings.
      work: { kinds: {}, stale_periods: 3 },
      logging: { level: 'info' },
    });
  });

  it('reads the checking section: models as a miner lists them, shares, the synthetic profile', () => {
    const config = load({
      flags: {
        netuid: '7',
        checking: {
          models: { entries: { 'tiny-llm': { type: 'llm', threads: '1' } } },
          check_share: '1',
          profile: {
            image_sizes: '512x512,768x1024',
            steps: '2-3',
            max_tokens: ['8', '12'],
            temperatures: '0,0.7',
            input_image_side: '256',
          },
        },
      },
    });
    expect(config.checking.models.entries).toEqual({
      'tiny-llm': {
        type: 'llm',
        decode_mode: 'exact',
        providers: ['cpu'],
        device_id: 0,
        threads: 1,
      },
    });
    expect(config.checking.check_share).toBe(1);
    expect(profileOf(config.checking.profile)).toEqual({
      imageSizes: [
        [512, 512],
        [768, 1024],
      ],
      steps: [2, 3],
      maxTokens: [8, 12],
      temperatures: [0, 0.7],
      inputImageSide: 256,
    });
  });

  it('names the bad key of a checking section', () => {
    const bad = (checking: unknown) =>
      errorOf(() => load({ flags: { netuid: '7', checking } })).message;
    expect(bad({ profile: { steps: '5-2' } })).toContain('checking.profile.steps');
    expect(bad({ profile: { input_image_side: '100' } })).toContain(
      'checking.profile.input_image_side',
    );
    expect(bad({ profile: { image_sizes: '512' } })).toContain('must be WIDTHxHEIGHT');
    expect(bad({ check_share: '2' })).toContain('checking.check_share');
    expect(bad({ models: { entries: { x: { type: 'gpt' } } } })).toContain(
      'checking.models.entries.x.type',
    );
  });

  it('layers file < env < flags and freezes the result', () => {
    const file = join(dir, 'validator.yaml');
    writeFileSync(
      file,
      [
        'netuid: 3',
        'subtensor: { network: test }',
        'wallet: { name: from-file, hotkey: hk }',
        'api: { port: 9000 }',
        'weights: { version_key: 10005001, task_shares: { image: 2, text: 1 } }',
      ].join('\n'),
    );
    const config = load({
      file,
      env: {
        SUBNET_VALIDATOR_WALLET__NAME: 'from-env',
        SUBNET_VALIDATOR_API__PORT: '9001',
        SUBNET_VALIDATOR_DATA_DIR: '/var/validator',
        OTHER_VAR: 'ignored',
      },
      flags: { api: { port: '9002' } },
    });
    expect(config.netuid).toBe(3);
    expect(config.subtensor.network).toBe('wss://test.finney.opentensor.ai:443');
    expect(config.wallet).toEqual({
      name: 'from-env',
      hotkey: 'hk',
      path: '/home/op/.bittensor/wallets',
    });
    expect(config.api.port).toBe(9002);
    expect(config.data_dir).toBe('/var/validator');
    expect(config.weights).toEqual({
      version_key: 10_005_001n,
      task_shares: { image: 2, text: 1 },
      mechanisms: {},
    });
    expect(Object.isFrozen(config.api)).toBe(true);
  });

  it('names each wrong value by flag and variable, as typed, with exit code 2', () => {
    const err = errorOf(() =>
      load({
        flags: { netuid: 'x', api: { port: '70000' } },
        env: { SUBNET_VALIDATOR_DATABASE_URL: 'mysql://db' },
      }),
    );
    expect(err).toBeInstanceOf(ValidatorError);
    expect(err.code).toBe('VALIDATOR_CONFIG_INVALID');
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(
      [
        '3 settings are wrong:',
        '  --netuid (or SUBNET_VALIDATOR_NETUID) must be a number (got "x")',
        '  --database-url (or SUBNET_VALIDATOR_DATABASE_URL) must start with postgres:// or postgresql://',
        '  --api.port (or SUBNET_VALIDATOR_API__PORT) must be at most 65535',
      ].join('\n'),
    );
    expect(err.fix).toBe(
      'set each by flag, environment variable or in the --config file (--help lists the flags)',
    );
    expect(errorOf(() => load({ flags: {} })).message).toBe(
      '--netuid (or SUBNET_VALIDATOR_NETUID) is required',
    );
    expect(errorOf(() => load({ flags: { netuid: '1.5' } })).message).toBe(
      '--netuid (or SUBNET_VALIDATOR_NETUID) must be a whole number',
    );
    expect(
      errorOf(() => load({ flags: { netuid: '1', weights: { version_key: '-3' } } })).message,
    ).toBe(
      '--weights.version_key (or SUBNET_VALIDATOR_WEIGHTS__VERSION_KEY) must be a whole number, 0 or more',
    );
  });

  it('reads each setting from the variable its error names', () => {
    const config = load({
      flags: {},
      env: {
        SUBNET_VALIDATOR_NETUID: '4',
        SUBNET_VALIDATOR_API__PORT: '9001',
        SUBNET_VALIDATOR_API__ENABLED: 'false',
        SUBNET_VALIDATOR_CHECKING__CHECK_SHARE: '0.75',
        SUBNET_VALIDATOR_WORK__MAX_QUERIES: '12',
        SUBNET_VALIDATOR_LOGGING__LEVEL: 'debug',
        SUBNET_VALIDATOR_WEIGHTS__TASK_SHARES__IMAGE: '2',
        SUBNET_VALIDATOR_DATABASE_URL: 'postgres://u@db/v',
      },
    });
    expect(config.netuid).toBe(4);
    expect(config.api).toMatchObject({ port: 9001, enabled: false });
    expect(config.checking.check_share).toBe(0.75);
    expect(config.work.max_queries).toBe(12);
    expect(config.logging.level).toBe('debug');
    expect(config.weights.task_shares).toEqual({ image: 2 });
    // A database URL: no embedded folder is assumed.
    expect(config.database_url).toBe('postgres://u@db/v');
    expect(config.data_dir).toBeUndefined();
  });

  it('names the chain by its URL, local as BT_SUBTENSOR_CHAIN_ENDPOINT says, and refuses others', () => {
    expect(load({ flags: { netuid: '1', subtensor: { network: 'finney' } } }).subtensor).toEqual({
      network: 'wss://entrypoint-finney.opentensor.ai:443',
    });
    expect(
      load({ flags: { netuid: '1' }, env: { BT_SUBTENSOR_CHAIN_ENDPOINT: 'ws://10.0.0.5:9944' } })
        .subtensor.network,
    ).toBe('ws://10.0.0.5:9944');
    const err = errorOf(() => load({ flags: { netuid: '1', subtensor: { network: 'finny' } } }));
    expect([err.code, err.exitCode, err.message]).toEqual([
      'VALIDATOR_CONFIG_INVALID',
      2,
      '--subtensor.network (or SUBNET_VALIDATOR_SUBTENSOR__NETWORK) must be finney, test, archive, local or a ws:// or wss:// URL (got "finny")',
    ]);
  });

  it("takes btcli's BT_WALLET_PATH as the wallets folder unless a setting names one", () => {
    const env = { BT_WALLET_PATH: 'bt-wallets' };
    expect(load({ flags: { netuid: '1' }, env }).wallet.path).toBe(join(dir, 'bt-wallets'));
    expect(load({ flags: { netuid: '1', wallet: { path: '/w' } }, env }).wallet.path).toBe('/w');
  });

  it('takes every path from the folder the command was run in, ~ from the home', () => {
    mkdirSync(join(dir, 'etc'), { recursive: true });
    writeFileSync(
      join(dir, 'etc', 'v.yaml'),
      [
        'netuid: 2',
        'wallet: { path: wallets }',
        'checking:',
        '  models:',
        '    registry: { manifests: [m/manifest.json, /abs/manifest.json], cache_dir: ~/cache }',
        '    entries:',
        '      sd: { type: diffusion, dir: models/sd, loras: { pixel: { path: ~/loras/pixel } } }',
        '      up: { type: upscaler, file: ./up.onnx }',
        '      llm: { type: llm }',
      ].join('\n'),
    );
    const config = load({ file: 'etc/v.yaml', flags: { data_dir: '../db' } });
    expect(config.wallet.path).toBe(join(dir, 'wallets'));
    expect(config.data_dir).toBe(join(dir, '..', 'db'));
    expect(config.checking.models.registry).toEqual({
      manifests: [join(dir, 'm/manifest.json'), '/abs/manifest.json'],
      cache_dir: '/home/op/cache',
    });
    expect(config.checking.models.entries.sd).toMatchObject({
      dir: join(dir, 'models/sd'),
      loras: { pixel: { path: '/home/op/loras/pixel' } },
    });
    expect(config.checking.models.entries.up).toMatchObject({ file: join(dir, 'up.onnx') });
    expect(config.checking.models.entries.llm).toMatchObject({ type: 'llm' });
  });

  it('takes a forced weights path and per-mechanism task shares, and refuses wrong ones', () => {
    const config = load({
      flags: {
        netuid: '1',
        weights: { path: 'commit_hash', mechanisms: { '1': { task_shares: { image: '3' } } } },
      },
    });
    expect(config.weights).toEqual({
      task_shares: {},
      path: 'commit_hash',
      mechanisms: { '1': { task_shares: { image: 3 } } },
    });
    expect(
      errorOf(() => load({ flags: { netuid: '1', weights: { path: 'reveal' } } })).message,
    ).toBe(
      '--weights.path (or SUBNET_VALIDATOR_WEIGHTS__PATH) must be one of "set", "commit_hash", "commit_timelocked"',
    );
    expect(
      errorOf(() =>
        load({
          flags: { netuid: '1', weights: { mechanisms: { main: { task_shares: {} } } } },
        }),
      ).message,
    ).toBe(
      '--weights.mechanisms.main (or SUBNET_VALIDATOR_WEIGHTS__MECHANISMS__MAIN) Invalid key in record',
    );
  });

  it('refuses unknown keys and an unreadable file', () => {
    expect(errorOf(() => load({ flags: { netuid: '1', wallet: { nme: 'a' } } })).message).toBe(
      '--wallet (or SUBNET_VALIDATOR_WALLET) has unknown settings: nme (check the spelling)',
    );
    const missing = join(dir, 'missing.yaml');
    const err = errorOf(() => load({ flags: { netuid: '1' }, file: missing }));
    expect(err.code).toBe('VALIDATOR_CONFIG_INVALID');
    expect(err.message).toMatch(new RegExp(`^cannot read the config file ${missing}: ENOENT`));
  });
});
