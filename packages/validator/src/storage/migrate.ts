/**
 * Brings a database to the code's schema version at open. Idempotent: a database already at the
 * version is left as it is. A database newer than the code is refused, since this code would
 * misread tables it does not know. Each migration runs in its own transaction under an advisory
 * lock, so two processes starting at once against one PostgreSQL apply it once.
 */
import { ValidatorError, ValidatorErrorCode } from '../errors';
import { MIGRATIONS, type Migration } from './migrations';
import type { SqlClient, SqlExecutor } from './sqlClient';

/** An arbitrary constant naming the validator's migration lock (pg_advisory_xact_lock key). */
const MIGRATION_LOCK_KEY = 7_318_004_211;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_ms bigint NOT NULL
)`;

export interface MigrationReport {
  /** The version found at open (0 for an empty database). */
  readonly fromVersion: number;
  /** The version after migrating. */
  readonly toVersion: number;
  readonly applied: readonly number[];
}

export interface MigrateOptions {
  migrations?: readonly Migration[];
  now?: () => number;
}

/** The highest applied version, 0 when none (or no migrations table yet). */
export async function readSchemaVersion(db: SqlExecutor): Promise<number> {
  const [table] = await db.query<{ exists: boolean }>(
    `SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`,
  );
  if (!table?.exists) return 0;
  const [row] = await db.query<{ version: number | null }>(
    'SELECT max(version) AS version FROM schema_migrations',
  );
  return row?.version ?? 0;
}

function checkOrder(migrations: readonly Migration[]): number {
  let previous = 0;
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= previous) {
      throw new ValidatorError(
        ValidatorErrorCode.StorageMigrationFailed,
        `migration versions must be increasing integers; got ${m.version} after ${previous}`,
      );
    }
    previous = m.version;
  }
  return previous;
}

export async function migrate(
  client: SqlClient,
  options: MigrateOptions = {},
): Promise<MigrationReport> {
  const migrations = options.migrations ?? MIGRATIONS;
  const now = options.now ?? Date.now;
  const latest = checkOrder(migrations);
  let fromVersion: number | undefined;
  const applied: number[] = [];
  for (;;) {
    const step = await client.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await tx.exec(CREATE_MIGRATIONS_TABLE);
      const current = await readSchemaVersion(tx);
      fromVersion ??= current;
      if (current > latest) {
        throw new ValidatorError(
          ValidatorErrorCode.StorageSchemaTooNew,
          `the database's schema is at version ${current}, newer than this validator's ` +
            `${latest}: it was written by a newer validator. Run that version (or newer), ` +
            'or point this one at another database; downgrading is not supported',
        );
      }
      const next = migrations.find((m) => m.version > current);
      if (!next) return { current, done: true as const };
      try {
        await tx.exec(next.sql);
      } catch (cause) {
        throw new ValidatorError(
          ValidatorErrorCode.StorageMigrationFailed,
          `migration ${next.version} (${next.name}) failed: ${(cause as Error).message}`,
          { cause },
        );
      }
      await tx.query(
        'INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)',
        [next.version, next.name, now()],
      );
      return { current: next.version, done: false as const };
    });
    if (step.done) {
      return { fromVersion: fromVersion ?? step.current, toVersion: step.current, applied };
    }
    applied.push(step.current);
  }
}
