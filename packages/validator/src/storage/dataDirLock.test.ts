import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidatorError, ValidatorErrorCode } from '../errors';
import { lockDataDir } from './dataDirLock';

const parent = mkdtempSync(join(tmpdir(), 'validator-lock-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('lockDataDir', () => {
  it('refuses a second holder while the first lives, and frees on release', () => {
    const dir = join(parent, 'a');
    const lock = lockDataDir(dir);
    expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(String(process.pid));
    let error: unknown;
    try {
      lockDataDir(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidatorError);
    expect((error as ValidatorError).code).toBe(ValidatorErrorCode.StorageDataDirInUse);
    expect((error as ValidatorError).message).toContain(`in use by process ${process.pid}`);
    lock.release();
    const again = lockDataDir(dir);
    again.release();
  });

  it('takes over a lock left by a process that is gone', () => {
    const dir = join(parent, 'b');
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(`${dir}.lock`, String(gone));
    const lock = lockDataDir(dir);
    expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(String(process.pid));
    lock.release();
  });
});
