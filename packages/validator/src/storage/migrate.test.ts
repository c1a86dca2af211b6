import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidatorError, ValidatorErrorCode } from '../errors';
import { MIGRATIONS } from './migrations';
import { openClient, openStorage } from './openStorage';
import { engineHarness, STORAGE_ENGINES } from './testing/engines';

const TABLES = [
  'api_keys',
  'api_usage',
  'capacity_answers',
  'comparisons',
  'miner_scores',
  'miners',
  'period_scores',
  'schema_migrations',
  'task_results',
  'validator_state',
  'weight_settings',
];

describe.each(STORAGE_ENGINES)('migrations on %s', (engine) => {
  const harness = engineHarness(engine);
  beforeAll(() => harness.start());
  afterAll(() => harness.close());

  it('migrates an empty database to the newest version once, and is a no-op on reopen', async () => {
    const config = await harness.freshConfig();
    const first = await openStorage(config, { now: () => 1_000 });
    expect(first.engine).toBe(engine);
    expect(first.schemaVersion).toBe(4);
    expect(first.migration).toEqual({ fromVersion: 0, toVersion: 4, applied: [1, 2, 3, 4] });
    await first.close();

    const again = await openStorage(config);
    expect(again.migration).toEqual({ fromVersion: 4, toVersion: 4, applied: [] });
    await again.close();

    const client = await openClient(config);
    const tables = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = current_schema() ORDER BY table_name`,
    );
    expect(tables.map((t) => t.name)).toEqual(TABLES);
    const rows = await client.query(
      'SELECT version, name, applied_ms FROM schema_migrations ORDER BY version',
    );
    expect(rows).toEqual([
      { version: 1, name: 'initial schema', applied_ms: 1_000 },
      { version: 2, name: 'why a check scored what it did', applied_ms: 1_000 },
      { version: 3, name: 'excused outages and capacity answers', applied_ms: 1_000 },
      {
        version: 4,
        name: 'weights by path (set, hash commit, timelocked commit) and mechanism',
        applied_ms: 1_000,
      },
    ]);
    await client.close();
  });

  it('refuses a database whose schema is newer than the code', async () => {
    const config = await harness.freshConfig();
    await (await openStorage(config)).close();
    const client = await openClient(config);
    await client.query(
      `INSERT INTO schema_migrations (version, name, applied_ms) VALUES (5, 'from the future', 5)`,
    );
    await client.close();

    const error = await openStorage(config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidatorError);
    expect((error as ValidatorError).code).toBe(ValidatorErrorCode.StorageSchemaTooNew);
    expect((error as ValidatorError).message).toContain(
      "the database's schema is at version 5, newer than this validator's 4",
    );
    // The refusal closed its connection: the database can still be opened and read.
    const after = await openClient(config);
    const [row] = await after.query<{ v: number }>(
      'SELECT max(version) AS v FROM schema_migrations',
    );
    expect(row?.v).toBe(5);
    await after.close();
  });

  it('applies a later migration on top, and rolls back a failing one whole', async () => {
    const config = await harness.freshConfig();
    const base = await openStorage(config);
    await base.close();
    const v5 = { version: 5, name: 'add notes', sql: 'CREATE TABLE notes (id int PRIMARY KEY)' };
    const upgraded = await openStorage(config, { migrations: [...MIGRATIONS, v5] });
    expect(upgraded.migration).toEqual({ fromVersion: 4, toVersion: 5, applied: [5] });
    await upgraded.close();

    const broken = {
      version: 6,
      name: 'broken',
      sql: 'CREATE TABLE half (id int); SELECT no_such_function()',
    };
    const error = await openStorage(config, {
      migrations: [...MIGRATIONS, v5, broken],
    }).catch((e: unknown) => e);
    expect((error as ValidatorError).code).toBe(ValidatorErrorCode.StorageMigrationFailed);
    expect((error as ValidatorError).message).toContain('migration 6 (broken) failed');
    const client = await openClient(config);
    const [half] = await client.query<{ t: string | null }>(
      `SELECT to_regclass('half')::text AS t`,
    );
    expect(half?.t).toBeNull();
    const [v] = await client.query<{ v: number }>(
      'SELECT max(version) AS v FROM schema_migrations',
    );
    expect(v?.v).toBe(5);
    await client.close();
  });
});
