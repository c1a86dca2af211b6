// The validator's configuration: defaults < file < env < flags, strict, with errors that name
// the flag, what was received and where to set it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadValidatorConfig } from '../src/config/index';
import { ValidatorError } from '../src/errors';
import { profileOf } from '../src/work/openCheckModels';

const dir = mkdtempSync(join(tmpdir(), 'validator-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
    expect(loadValidatorConfig({ flags: { netuid: '7' } })).toEqual({
      netuid: 7,
      subtensor: { network: 'local' },
      wallet: { name: 'default', hotkey: 'default', path: '~/.bittensor/wallets' },
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
    const config = loadValidatorConfig({
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
    });
  });

  it('names the bad key of a checking section', () => {
    const bad = (checking: unknown) =>
      errorOf(() => loadValidatorConfig({ flags: { netuid: '7', checking } })).message;
    expect(bad({ profile: { steps: '5-2' } })).toContain('checking.profile.steps');
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
    const config = loadValidatorConfig({
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
    expect(config.subtensor.network).toBe('test');
    expect(config.wallet).toEqual({ name: 'from-env', hotkey: 'hk', path: '~/.bittensor/wallets' });
    expect(config.api.port).toBe(9002);
    expect(config.data_dir).toBe('/var/validator');
    expect(config.weights).toEqual({
      version_key: 10_005_001n,
      task_shares: { image: 2, text: 1 },
      mechanisms: {},
    });
    expect(Object.isFrozen(config.api)).toBe(true);
  });

  it('names each wrong value, what was received and where to set it', () => {
    const err = errorOf(() =>
      loadValidatorConfig({
        flags: { netuid: 'x', api: { port: '70000' } },
        env: { SUBNET_VALIDATOR_DATABASE_URL: 'mysql://db' },
      }),
    );
    expect(err).toBeInstanceOf(ValidatorError);
    expect(err.code).toBe('VALIDATOR_CONFIG_INVALID');
    expect(err.message).toBe(
      [
        'invalid validator configuration:',
        '  --netuid: Invalid input: expected number, received NaN (received "x"); set it with --netuid <value>, SUBNET_VALIDATOR_NETUID, or in the --config file',
        '  --database-url: must start with postgres:// or postgresql:// (received "mysql://db"); set it with --database-url <value>, SUBNET_VALIDATOR_DATABASE_URL, or in the --config file',
        '  --api.port: Too big: expected number to be <=65535 (received "70000"); set it with --api.port <value>, SUBNET_VALIDATOR_API__PORT, or in the --config file',
      ].join('\n'),
    );
  });

  it('takes a forced weights path and per-mechanism task shares, and refuses wrong ones', () => {
    const config = loadValidatorConfig({
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
      errorOf(() =>
        loadValidatorConfig({ flags: { netuid: '1', weights: { path: 'reveal' } } }),
      ).message.split('\n')[1],
    ).toMatch(
      /^ {2}--weights\.path: Invalid option: expected one of "set"\|"commit_hash"\|"commit_timelocked"/,
    );
    expect(
      errorOf(() =>
        loadValidatorConfig({
          flags: { netuid: '1', weights: { mechanisms: { main: { task_shares: {} } } } },
        }),
      ).message.split('\n')[1],
    ).toMatch(/^ {2}--weights\.mechanisms\.main: Invalid key in record/);
  });

  it('refuses unknown keys and an unreadable file', () => {
    expect(
      errorOf(() => loadValidatorConfig({ flags: { netuid: '1', wallet: { nme: 'a' } } })).message,
    ).toBe('invalid validator configuration:\n  --wallet: Unrecognized key: "nme"');
    const missing = join(dir, 'missing.yaml');
    const err = errorOf(() => loadValidatorConfig({ flags: { netuid: '1' }, file: missing }));
    expect(err.code).toBe('VALIDATOR_CONFIG_INVALID');
    expect(err.message).toMatch(new RegExp(`^cannot read the config file ${missing}: ENOENT`));
  });
});
