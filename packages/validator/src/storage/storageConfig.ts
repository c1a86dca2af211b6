/**
 * Where the validator keeps its state: the embedded PGlite in a data directory (the default), or a
 * PostgreSQL server by URL. Validated once when the daemon reads its configuration.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ValidatorError, ValidatorErrorCode } from '../errors';

export const DEFAULT_DATA_DIR = join(homedir(), '.subnet', 'validator', 'db');

export const storageConfigSchema = z.discriminatedUnion('engine', [
  z.object({
    engine: z.literal('pglite'),
    dataDir: z.string().min(1, 'dataDir must name a directory'),
  }),
  z.object({
    engine: z.literal('postgres'),
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'the URL must start with postgres:// or postgresql://'),
    maxConnections: z.number().int().min(1).max(100).optional(),
  }),
]);

export type StorageConfig = z.infer<typeof storageConfigSchema>;

export interface StorageOptionsInput {
  /** A PostgreSQL URL; when given, PostgreSQL is used. */
  databaseUrl?: string | undefined;
  /** The embedded database's directory; `DEFAULT_DATA_DIR` when neither is given. */
  dataDir?: string | undefined;
}

/** Picks the engine from the operator's options: a URL means PostgreSQL, else embedded. */
export function resolveStorageConfig(input: StorageOptionsInput): StorageConfig {
  const candidate =
    input.databaseUrl !== undefined && input.databaseUrl !== ''
      ? { engine: 'postgres', url: input.databaseUrl }
      : { engine: 'pglite', dataDir: input.dataDir ?? DEFAULT_DATA_DIR };
  const parsed = storageConfigSchema.safeParse(candidate);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ValidatorError(
      ValidatorErrorCode.StorageConfigInvalid,
      `invalid storage configuration (${problems}). Give a database URL such as ` +
        'postgres://user:pass@host:5432/validator, or a data directory for the embedded database',
    );
  }
  return Object.freeze(parsed.data);
}
