/**
 * The storage the `keys` commands work on: the daemon's (same flags, variables and `--config`
 * file). They never create a database: a `--data-dir` that does not exist, or holds no database,
 * is refused, since a typo would otherwise leave keys in a database no validator reads.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type CliIo, createLogger, logLevelFlag, type OptionValues } from '@subnet/kit';
import { ApiKeys } from '../../apiKeys/apiKeyService';
import { loadStorageSettings } from '../../config/storageSettings';
import { storageError } from '../../daemon/startErrors';
import { ValidatorError, ValidatorErrorCode } from '../../errors';
import { openStorage } from '../../storage/openStorage';
import { resolveStorageConfig } from '../../storage/storageConfig';
import { configInput } from '../settingFlags';

export interface KeysDeps {
  /** The clock keys are created, used and revoked by (default Date.now). */
  readonly now?: () => number;
}

/** Refuses a data folder without a database (PGlite writes PG_VERSION first). */
export function assertDatabaseAt(dataDir: string): void {
  const fix = `start the validator once with --data-dir ${dataDir}, or check the path`;
  if (!existsSync(dataDir)) {
    throw new ValidatorError(
      ValidatorErrorCode.NoDatabase,
      `there is no validator database at ${dataDir} (the folder does not exist)`,
      { fix },
    );
  }
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    throw new ValidatorError(
      ValidatorErrorCode.NoDatabase,
      `there is no validator database at ${dataDir} (the folder holds none)`,
      { fix },
    );
  }
}

/** Opens the daemon's storage, runs `fn` with its API keys, closes it. */
export async function withApiKeys<T>(
  values: OptionValues,
  io: CliIo,
  deps: KeysDeps,
  fn: (keys: ApiKeys) => Promise<T>,
): Promise<T> {
  const settings = loadStorageSettings(configInput(values, io));
  if (settings.dataDir !== undefined) assertDatabaseAt(settings.dataDir);
  // Log lines go to stderr: stdout is the command's output.
  const logger = createLogger({
    name: 'validator',
    level: logLevelFlag(values) ?? 'warn',
    destination: 2,
  });
  const storage = await openStorage(
    resolveStorageConfig({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir }),
    { logger, ...(deps.now ? { now: deps.now } : {}) },
  ).catch((err: unknown) => {
    throw storageError(err, settings.databaseUrl);
  });
  try {
    return await fn(
      new ApiKeys(storage.apiKeys, { logger, ...(deps.now ? { now: deps.now } : {}) }),
    );
  } finally {
    await storage.close();
  }
}
