import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidatorError, ValidatorErrorCode } from '../../errors';
import { findPostgresBinDir } from './postgresBinaries';

const empty = mkdtempSync(join(tmpdir(), 'validator-nopg-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

function failure(run: () => unknown): ValidatorError {
  try {
    run();
  } catch (error) {
    return error as ValidatorError;
  }
  throw new Error('expected an error');
}

describe('findPostgresBinDir', () => {
  it('fails loudly with the install command when no binaries are found', () => {
    const error = failure(() => findPostgresBinDir({ PATH: empty }, join(empty, 'missing')));
    expect(error).toBeInstanceOf(ValidatorError);
    expect(error.code).toBe(ValidatorErrorCode.PostgresNotInstalled);
    expect(error.message).toContain('apt-get update && apt-get install -y postgresql');
  });

  it('fails when PG_BIN_DIR names a folder without initdb and pg_ctl', () => {
    const error = failure(() => findPostgresBinDir({ PG_BIN_DIR: empty, PATH: '' }));
    expect(error.code).toBe(ValidatorErrorCode.PostgresNotInstalled);
    expect(error.message).toContain(`PG_BIN_DIR=${empty} holds no initdb and pg_ctl`);
  });
});
