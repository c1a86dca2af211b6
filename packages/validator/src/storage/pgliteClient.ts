/**
 * The embedded engine: PGlite, PostgreSQL compiled to WebAssembly, persisting to a data directory.
 * Single connection; PGlite queues queries and transactions itself.
 */
import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { ValidatorError, ValidatorErrorCode } from '../errors';
import { type DataDirLock, lockDataDir } from './dataDirLock';
import { parseInt8, type SqlClient, type SqlTransaction } from './sqlClient';

const INT8_OID = 20;

function transactionView(tx: Transaction): SqlTransaction {
  return {
    async query<Row extends object>(sql: string, params: readonly unknown[] = []) {
      const result = await tx.query<Row>(sql, [...params]);
      return result.rows;
    },
    async exec(sql: string) {
      await tx.exec(sql);
    },
  };
}

export async function openPgliteClient(dataDir: string): Promise<SqlClient> {
  mkdirSync(dataDir, { recursive: true });
  const lock: DataDirLock = lockDataDir(dataDir);
  let db: PGlite;
  try {
    db = new PGlite(dataDir, { parsers: { [INT8_OID]: parseInt8 } });
    await db.waitReady;
  } catch (cause) {
    lock.release();
    throw new ValidatorError(
      ValidatorErrorCode.StorageOpenFailed,
      `could not open the embedded database in ${dataDir}: ${(cause as Error).message}`,
      { cause },
    );
  }
  let closed = false;
  return {
    engine: 'pglite',
    async query<Row extends object>(sql: string, params: readonly unknown[] = []) {
      const result = await db.query<Row>(sql, [...params]);
      return result.rows;
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
    transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
      return db.transaction((tx) => fn(transactionView(tx)));
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        lock.release();
      }
    },
  };
}
