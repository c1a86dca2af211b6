import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadLayeredConfig, subtensorConfigSchema, walletConfigSchema } from './layeredConfig';

const dir = mkdtempSync(join(tmpdir(), 'layered-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schema = z.strictObject({
  netuid: z.coerce.number().int().min(0),
  subtensor: subtensorConfigSchema,
  wallet: walletConfigSchema,
  axon: z.strictObject({ port: z.coerce.number().int().min(1).max(65_535) }).prefault({ port: 1 }),
});
const options = {
  envPrefix: 'TEST_DAEMON_',
  what: 'test',
  fail: (message: string) => new Error(message),
};

describe('loadLayeredConfig', () => {
  it('layers defaults < file < environment < flags and freezes the result', () => {
    const file = join(dir, 'daemon.yaml');
    writeFileSync(
      file,
      'netuid: 3\nwallet:\n  name: from-file\n  hotkey: hk\naxon:\n  port: 9000\n',
    );
    const config = loadLayeredConfig(
      schema,
      {
        file,
        env: { TEST_DAEMON_WALLET__NAME: 'from-env', TEST_DAEMON_AXON__PORT: '9001', OTHER: 'x' },
        flags: { axon: { port: '9002' } },
      },
      options,
    );
    expect(config).toEqual({
      netuid: 3,
      subtensor: { network: 'local' },
      wallet: { name: 'from-env', hotkey: 'hk', path: '~/.bittensor/wallets' },
      axon: { port: 9002 },
    });
    expect(Object.isFrozen(config.wallet)).toBe(true);
  });

  it('names each wrong value by flag and variable, and refuses unknown keys', () => {
    const fail = (sources: Parameters<typeof loadLayeredConfig>[1]) => {
      try {
        loadLayeredConfig(schema, sources, options);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('expected a failure');
    };
    expect(fail({ flags: { netuid: '-1' } })).toBe(
      'invalid test configuration:\n  --netuid: Too small: expected number to be >=0 (received "-1"); set it with --netuid <value>, TEST_DAEMON_NETUID, or in the --config file',
    );
    expect(fail({ flags: { netuid: '1', wallet: { colour: 'red' } } })).toBe(
      'invalid test configuration:\n  --wallet: Unrecognized key: "colour"',
    );
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'netuid: [1\n');
    expect(fail({ flags: {}, file: bad })).toMatch(
      /^the config file .*bad\.yaml is not valid YAML\/JSON: /,
    );
    expect(fail({ flags: {}, file: join(dir, 'missing.yaml') })).toMatch(
      /^cannot read the config file .*missing\.yaml: ENOENT/,
    );
  });
});
