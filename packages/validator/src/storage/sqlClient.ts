/**
 * The one small interface both storage engines implement. Repositories speak PostgreSQL SQL with
 * `$1` parameters through it and never see which engine runs underneath.
 *
 * Value mapping is the same on both engines: int2/int4/int8 and float8 come back as JS numbers
 * (int8 beyond 2^53 is an error, not a silent rounding), int4[] as number[], jsonb as parsed JSON,
 * bool as boolean, text as string. Schema columns avoid `numeric`; sums are cast to int8/float8.
 */
export type StorageEngine = 'pglite' | 'postgres';

export interface SqlExecutor {
  /** Runs one statement and returns its rows. */
  query<Row extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<Row[]>;
}

export interface SqlClient extends SqlExecutor {
  readonly engine: StorageEngine;
  /** Runs several statements with no parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface SqlTransaction extends SqlExecutor {
  exec(sql: string): Promise<void>;
}

/** Parses an int8 text value to a number, refusing values a double cannot hold exactly. */
export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`int8 value ${text} is beyond what a JS number holds exactly`);
  }
  return value;
}
