import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorageConfig } from '../storage/storageConfig';
import { engineHarness, STORAGE_ENGINES } from '../storage/testing/engines';
import { runKeysCommand } from './keysCommand';

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = join(here, '..', '..');
const T0 = Date.UTC(2026, 3, 1, 8, 30, 0);

function storageFlags(config: StorageConfig): string[] {
  return config.engine === 'pglite'
    ? ['--data-dir', config.dataDir]
    : ['--database-url', config.url];
}

async function keys(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runKeysCommand(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: {},
    now: () => T0,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe.each(STORAGE_ENGINES)('validator keys on %s', (engine) => {
  const harness = engineHarness(engine);
  let flags: string[];
  beforeAll(async () => {
    flags = storageFlags(await harness.freshConfig());
  });
  afterAll(() => harness.close());

  it('creates, lists and revokes a key', async () => {
    const created = await keys(['create', '--name', 'dev', '--rate-limit', '30', ...flags]);
    expect(created.code).toBe(0);
    const id = /^id: +([0-9a-f]{12})$/m.exec(created.out)?.[1];
    const secret = /^secret: +(\S+)$/m.exec(created.out)?.[1];
    expect(secret).toMatch(new RegExp(`^sn_${id}_[A-Za-z0-9_-]{43}$`));
    expect(created.out).toContain('rate limit: 30 requests/minute');

    const listed = await keys(['list', '--json', ...flags]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out)).toEqual([
      {
        id,
        name: 'dev',
        rateLimitPerMinute: 30,
        createdMs: T0,
        revokedMs: null,
        lastUsedMs: null,
        usage: { requests: 0, refused: 0, inputTokens: 0, outputTokens: 0, images: 0 },
      },
    ]);
    expect(listed.out).not.toContain(secret);

    const revoked = await keys(['revoke', id as string, ...flags]);
    expect(revoked).toEqual({
      code: 0,
      out: `revoked ${id} (dev) at 2026-04-01T08:30:00.000Z`,
      err: '',
    });
    const table = await keys(['list', ...flags]);
    expect(table.out.split('\n')[1]).toMatch(
      new RegExp(
        `^${id} +dev +30 +2026-04-01T08:30:00.000Z +2026-04-01T08:30:00.000Z +0 +0 +0 +0 +0$`,
      ),
    );
  });

  it('answers bad usage with exit code 2 and a reason, and an unknown id with 1', async () => {
    const noName = await keys(['create', ...flags]);
    expect(noName).toMatchObject({ code: 2, err: 'keys create needs --name NAME' });
    const badRate = await keys(['create', '--name', 'x', '--rate-limit', '1.5', ...flags]);
    expect(badRate).toMatchObject({
      code: 2,
      err: '--rate-limit must be a whole number of requests per minute; got "1.5"',
    });
    const badName = await keys(['create', '--name', ' ', ...flags]);
    expect(badName.code).toBe(1);
    expect(badName.err).toContain('VALIDATOR_API_KEY_INVALID_ARGUMENT');
    expect((await keys(['rotate', ...flags])).code).toBe(2);
    const unknown = await keys(['revoke', '000000000000', ...flags]);
    expect(unknown).toEqual({
      code: 1,
      out: '',
      err: 'VALIDATOR_API_KEY_NOT_FOUND: there is no API key with id 000000000000',
    });
  });

  it('runs as a command line program', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/apiKeys/keysCli.ts', 'create', '--name', 'cli', ...flags],
      { cwd: packageRoot },
    );
    expect(stdout).toMatch(/^id: +[0-9a-f]{12}\nname: +cli\nrate limit: 60 requests\/minute\n/);
  });
});
