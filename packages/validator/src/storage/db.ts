/**
 * What a repository holds: an executor for single statements and `atomic` for several that must
 * commit together. Bound to the client, `atomic` opens a transaction; bound to a transaction
 * (inside `Storage.transaction`), it joins the one already open.
 */
import type { SqlClient, SqlExecutor, SqlTransaction } from './sqlClient';

export interface Db extends SqlExecutor {
  atomic<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

export function clientDb(client: SqlClient): Db {
  return {
    query: (sql, params) => client.query(sql, params),
    atomic: (fn) => client.transaction(fn),
  };
}

export function transactionDb(tx: SqlTransaction): Db {
  return {
    query: (sql, params) => tx.query(sql, params),
    atomic: (fn) => fn(tx),
  };
}
