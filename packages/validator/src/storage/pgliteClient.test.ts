import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidatorError, ValidatorErrorCode } from '../errors';
import { SCHEMA_VERSION } from './migrations';
import { openStorage } from './openStorage';
import { freshPgliteDir } from './testing/pgliteDirs';

const parent = mkdtempSync(join(tmpdir(), 'validator-pglite-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('the embedded engine', () => {
  it('refuses a second open of a data directory in use, and allows it after close', async () => {
    const dataDir = await freshPgliteDir(parent);
    const first = await openStorage({ engine: 'pglite', dataDir });
    const error = await openStorage({ engine: 'pglite', dataDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidatorError);
    expect((error as ValidatorError).code).toBe(ValidatorErrorCode.StorageDataDirInUse);
    await first.close();
    const second = await openStorage({ engine: 'pglite', dataDir });
    expect(second.schemaVersion).toBe(SCHEMA_VERSION);
    await second.close();
  });
});
