/**
 * PostgreSQL by a connection URL, through a `pg` pool: for operators who run the validator's state
 * on a database server (several API processes, backups, replicas).
 */
import pg from 'pg';
import { ValidatorError, ValidatorErrorCode } from '../errors';
import { parseInt8, type SqlClient, type SqlTransaction } from './sqlClient';

const INT8_OID = 20;

/** The same value mapping as the embedded engine: int8 as a (safe) number. */
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return parseInt8;
    return format === 'binary'
      ? pg.types.getTypeParser(oid, 'binary')
      : pg.types.getTypeParser(oid, 'text');
  },
} as pg.CustomTypesConfig;

/** The URL with its password replaced, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}

export interface PostgresClientOptions {
  url: string;
  /** Pool size; the validator's writes are small, a few connections suffice. */
  maxConnections?: number;
  /** Told when an idle pooled connection fails (the server restarted, the network dropped). */
  onIdleError?: (error: Error) => void;
}

export async function openPostgresClient(options: PostgresClientOptions): Promise<SqlClient> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 5,
    types: typeParsers,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', (error) => options.onIdleError?.(error));
  try {
    const probe = await pool.connect();
    probe.release();
  } catch (cause) {
    await pool.end().catch(() => {});
    throw new ValidatorError(
      ValidatorErrorCode.StorageOpenFailed,
      `could not connect to PostgreSQL at ${redactUrl(options.url)}: ${(cause as Error).message}`,
      { cause },
    );
  }
  let closed = false;
  return {
    engine: 'postgres',
    async query<Row extends object>(sql: string, params: readonly unknown[] = []) {
      const result = await pool.query<Row & pg.QueryResultRow>(sql, [...params]);
      return result.rows;
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      const view: SqlTransaction = {
        async query<Row extends object>(sql: string, params: readonly unknown[] = []) {
          const result = await client.query<Row & pg.QueryResultRow>(sql, [...params]);
          return result.rows;
        },
        async exec(sql: string) {
          await client.query(sql);
        },
      };
      try {
        await client.query('BEGIN');
        const value = await fn(view);
        await client.query('COMMIT');
        client.release();
        return value;
      } catch (error) {
        // A connection that cannot even roll back is broken: destroy it rather than reuse it.
        const broken = await client.query('ROLLBACK').then(
          () => false,
          () => true,
        );
        client.release(broken);
        throw error;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
