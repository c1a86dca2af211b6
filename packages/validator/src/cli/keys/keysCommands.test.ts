// `pnpm validator keys create|list|revoke` on both engines, in-process with a fixed clock; and
// the refusal of a data folder without a database, which must leave nothing behind.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from '@subnet/kit';
import { memoryIo } from '@subnet/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorageConfig } from '../../storage/storageConfig';
import { engineHarness, STORAGE_ENGINES } from '../../storage/testing/engines';
import { buildValidatorProgram } from '../validatorProgram';

const T0 = Date.UTC(2026, 3, 1, 8, 30, 0);
const program = buildValidatorProgram({ now: () => T0 });

function storageFlags(config: StorageConfig): string[] {
  return config.engine === 'pglite'
    ? ['--data-dir', config.dataDir]
    : ['--database-url', config.url];
}

async function keys(argv: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const io = memoryIo({ ...options, home: '/home/operator' });
  const code = await runProgram(program, ['keys', ...argv], io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
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

  it('refuses a bad name and an unknown id with exit 1, naming the fix', async () => {
    const badName = await keys(['create', '--name', ' ', ...flags]);
    expect(badName.code).toBe(1);
    expect(badName.err).toBe(
      'pnpm validator keys create: a key\'s name must be 1 to 64 characters; got " " [VALIDATOR_API_KEY_INVALID_ARGUMENT]',
    );
    const unknown = await keys(['revoke', '000000000000', ...flags]);
    expect(unknown).toEqual({
      code: 1,
      out: '',
      err: [
        'pnpm validator keys revoke: there is no API key with id 000000000000 [VALIDATOR_API_KEY_NOT_FOUND]',
        '  fix: `pnpm validator keys list` shows the ids',
      ].join('\n'),
    });
  });
});

describe('validator keys without a database', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'validator-keys-cwd-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it.each([
    ['list', ['list', '--data-dir', 'nowhere/db']],
    ['create', ['create', '--name', 'x', '--data-dir', 'nowhere/db']],
    ['revoke', ['revoke', '0123456789ab', '--data-dir', 'nowhere/db']],
  ])('keys %s refuses a --data-dir that does not exist and creates nothing', async (_, argv) => {
    const r = await keys(argv, { cwd });
    const path = join(cwd, 'nowhere', 'db');
    expect(r).toEqual({
      code: 1,
      out: '',
      err: [
        `pnpm validator keys ${argv[0]}: there is no validator database at ${path} (the folder does not exist) [VALIDATOR_NO_DATABASE]`,
        `  fix: start the validator once with --data-dir ${path}, or check the path`,
      ].join('\n'),
    });
    expect(existsSync(join(cwd, 'nowhere'))).toBe(false);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('reads the folder from SUBNET_VALIDATOR_DATA_DIR, and refuses one without a database', async () => {
    mkdirSync(join(cwd, 'empty'));
    const r = await keys(['list'], { cwd, env: { SUBNET_VALIDATOR_DATA_DIR: 'empty' } });
    expect(r.code).toBe(1);
    expect(r.err.split('\n')[0]).toBe(
      `pnpm validator keys list: there is no validator database at ${join(cwd, 'empty')} (the folder holds none) [VALIDATOR_NO_DATABASE]`,
    );
  });
});
