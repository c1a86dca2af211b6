/**
 * `doctor`'s database check. It writes nothing: an embedded database is opened (under its lock,
 * as start would) and its schema version read; PostgreSQL is connected to within a deadline and
 * read the same way. A schema behind the code is fine (start migrates it), one ahead is a
 * blocker. A data folder that does not exist yet is a warning: start creates it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Check, CheckResult } from '@subnet/kit';
import pg from 'pg';
import { ValidatorError } from '../errors';
import { readSchemaVersion } from '../storage/migrate';
import { SCHEMA_VERSION } from '../storage/migrations';
import { openPgliteClient } from '../storage/pgliteClient';
import { redactUrl } from '../storage/postgresClient';
import type { SqlExecutor } from '../storage/sqlClient';

export interface DatabaseCheckOptions {
  /** PostgreSQL by URL; else the embedded database in `dataDir`. */
  readonly databaseUrl?: string | undefined;
  readonly dataDir?: string | undefined;
  /**
   * Deadline of the whole check (default 20 s: a large embedded database opens in seconds); a
   * PostgreSQL server has 10 s of it to accept the connection.
   */
  readonly timeoutMs?: number;
}

function schemaResult(version: number, where: string): CheckResult {
  if (version > SCHEMA_VERSION) {
    return {
      status: 'blocker',
      detail: `${where}: schema version ${version} is newer than this validator's ${SCHEMA_VERSION}`,
      fix: 'run the validator version that wrote it (or newer), or point this one at another database',
    };
  }
  if (version < SCHEMA_VERSION) {
    return {
      status: 'ok',
      detail: `${where}: schema version ${version}; start migrates it to ${SCHEMA_VERSION}`,
    };
  }
  return { status: 'ok', detail: `${where}: schema version ${version}, current` };
}

function lockOwner(dataDir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(`${dataDir}.lock`, 'utf8'), 10);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? -1 : undefined;
  }
}

async function embedded(dataDir: string): Promise<CheckResult> {
  if (!existsSync(dataDir)) {
    return {
      status: 'warn',
      detail: `no database at ${dataDir} yet`,
      fix: 'start creates it there; give --data-dir if it should be elsewhere',
    };
  }
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    if (readdirSync(dataDir).length === 0) {
      return {
        status: 'warn',
        detail: `${dataDir} is empty`,
        fix: 'start creates the database in it; give --data-dir if it should be elsewhere',
      };
    }
    return {
      status: 'blocker',
      detail: `${dataDir} holds files but no database`,
      fix: 'give --data-dir an empty or missing folder, or the one the validator used before',
    };
  }
  const owner = lockOwner(dataDir);
  if (owner !== undefined) {
    return {
      status: 'blocker',
      detail: `${dataDir} is in use by ${owner > 0 ? `process ${owner}` : 'another process'}`,
      fix: 'stop the validator that runs on it first (one process per embedded database)',
    };
  }
  const client = await openPgliteClient(dataDir);
  try {
    return schemaResult(await readSchemaVersion(client), dataDir);
  } finally {
    await client.close();
  }
}

async function postgres(url: string, timeoutMs: number): Promise<CheckResult> {
  const where = redactUrl(url);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  // A server going away mid-check is reported by the query, not as an uncaught error.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    return {
      status: 'blocker',
      detail: `the database is unreachable at ${where} (${(err as Error).message})`,
      fix: 'check that the PostgreSQL server runs and the URL of --database-url (or SUBNET_VALIDATOR_DATABASE_URL) is right; leave it out to use the embedded database',
    };
  }
  try {
    const executor: SqlExecutor = {
      query: async <Row extends object>(sql: string, params: readonly unknown[] = []) =>
        (await client.query(sql, [...params])).rows as Row[],
    };
    return schemaResult(await readSchemaVersion(executor), where);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function databaseCheck(options: DatabaseCheckOptions): Check {
  const timeoutMs = options.timeoutMs ?? 20_000;
  return {
    name: 'database',
    timeoutMs,
    async run() {
      try {
        if (options.databaseUrl !== undefined)
          return await postgres(options.databaseUrl, Math.min(10_000, timeoutMs));
        return await embedded(options.dataDir as string);
      } catch (err) {
        if (err instanceof ValidatorError) {
          return {
            status: 'blocker',
            detail: `${err.message} [${err.code}]`,
            ...(err.fix ? { fix: err.fix } : {}),
          };
        }
        throw err;
      }
    },
  };
}
