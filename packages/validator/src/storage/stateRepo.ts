/**
 * Small named values the daemon keeps across restarts (the current scoring period, the last
 * metagraph block seen...). Values are JSON.
 */
import type { Db } from './db';

export class StateRepo {
  constructor(private readonly db: Db) {}

  async get<T>(key: string): Promise<T | undefined> {
    const [row] = await this.db.query<{ value: T }>(
      'SELECT value FROM validator_state WHERE key = $1',
      [key],
    );
    return row?.value;
  }

  async set(key: string, value: unknown, nowMs: number): Promise<void> {
    await this.db.query(
      `INSERT INTO validator_state (key, value, updated_ms) VALUES ($1, $2::jsonb, $3)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_ms = EXCLUDED.updated_ms`,
      [key, JSON.stringify(value), nowMs],
    );
  }

  async delete(key: string): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM validator_state WHERE key = $1 RETURNING key', [
      key,
    ]);
    return rows.length === 1;
  }
}
