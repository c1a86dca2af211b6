/**
 * The storage settings alone, for the commands that only open the validator's storage (`keys`):
 * `--database-url` / `--data-dir`, their `SUBNET_VALIDATOR_*` variables, or the `--config` file
 * the daemon is started with (its other settings are not looked at).
 */
import { homedir } from 'node:os';
import { z } from 'zod';
import { dataDirOf } from './configPaths';
import { configError, type LoadConfigInput, settingsTree } from './loadConfig';
import { databaseUrlSchema, dataDirSchema } from './validatorConfig';

export interface StorageSettings {
  /** PostgreSQL, when a URL is given. */
  readonly databaseUrl?: string;
  /** The embedded database's folder (absolute), when no URL is given. */
  readonly dataDir?: string;
}

const storageSchema = z.looseObject({
  database_url: databaseUrlSchema.optional(),
  data_dir: dataDirSchema.optional(),
});

export function loadStorageSettings(input: LoadConfigInput): StorageSettings {
  const paths = input.paths ?? { cwd: process.cwd(), home: homedir() };
  const result = storageSchema.safeParse(settingsTree(input, paths), { reportInput: true });
  if (!result.success) throw configError(result.error);
  const { database_url } = result.data;
  if (database_url !== undefined) return Object.freeze({ databaseUrl: database_url });
  return Object.freeze({ dataDir: dataDirOf(result.data, paths) as string });
}
