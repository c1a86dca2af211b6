import { describe, expect, it } from 'vitest';
import { ValidatorError, ValidatorErrorCode } from '../errors';
import { redactUrl } from './postgresClient';
import { DEFAULT_DATA_DIR, resolveStorageConfig } from './storageConfig';

describe('resolveStorageConfig', () => {
  it('picks PostgreSQL for a URL and the embedded engine otherwise', () => {
    expect(resolveStorageConfig({ databaseUrl: 'postgresql://v:pw@db:5432/validator' })).toEqual({
      engine: 'postgres',
      url: 'postgresql://v:pw@db:5432/validator',
    });
    expect(resolveStorageConfig({ dataDir: '/var/lib/validator' })).toEqual({
      engine: 'pglite',
      dataDir: '/var/lib/validator',
    });
    expect(resolveStorageConfig({ databaseUrl: '' })).toEqual({
      engine: 'pglite',
      dataDir: DEFAULT_DATA_DIR,
    });
    expect(Object.isFrozen(resolveStorageConfig({}))).toBe(true);
  });

  it('refuses a URL that is not a PostgreSQL one, saying what it expects', () => {
    let error: unknown;
    try {
      resolveStorageConfig({ databaseUrl: 'mysql://db/validator' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidatorError);
    expect((error as ValidatorError).code).toBe(ValidatorErrorCode.StorageConfigInvalid);
    expect((error as ValidatorError).message).toContain(
      'url: the URL must start with postgres:// or postgresql://',
    );
  });

  it('keeps passwords out of logged URLs', () => {
    expect(redactUrl('postgres://v:secret@db:5432/validator')).toBe(
      'postgres://v:***@db:5432/validator',
    );
    expect(redactUrl('postgres://db/validator')).toBe('postgres://db/validator');
  });
});
