/**
 * Opens the validator's storage on either engine, migrates it to the code's schema version, and
 * hands out the repositories the daemon writes through.
 */
import pino, { type Logger } from 'pino';
import { ApiKeysRepo } from './apiKeysRepo';
import { CapacityRepo } from './capacityRepo';
import { ComparisonsRepo } from './comparisonsRepo';
import { clientDb, type Db, transactionDb } from './db';
import { type MigrationReport, migrate } from './migrate';
import type { Migration } from './migrations';
import { MinersRepo } from './minersRepo';
import { openPgliteClient } from './pgliteClient';
import { openPostgresClient, redactUrl } from './postgresClient';
import { ScoresRepo } from './scoresRepo';
import type { SqlClient, StorageEngine } from './sqlClient';
import { StateRepo } from './stateRepo';
import type { StorageConfig } from './storageConfig';
import { TaskResultsRepo } from './taskResultsRepo';
import { WeightsRepo } from './weightsRepo';

export interface Repositories {
  readonly miners: MinersRepo;
  readonly results: TaskResultsRepo;
  readonly scores: ScoresRepo;
  readonly comparisons: ComparisonsRepo;
  readonly weights: WeightsRepo;
  readonly apiKeys: ApiKeysRepo;
  readonly state: StateRepo;
  readonly capacity: CapacityRepo;
}

export interface Storage extends Repositories {
  readonly engine: StorageEngine;
  /** The schema version after migrating (the code's version). */
  readonly schemaVersion: number;
  readonly migration: MigrationReport;
  /** Runs `fn` with repositories bound to one transaction. */
  transaction<T>(fn: (repos: Repositories) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenStorageOptions {
  logger?: Logger;
  /** Replaces the schema's migrations (tests of the migrator only). */
  migrations?: readonly Migration[];
  now?: () => number;
}

function repositories(db: Db): Repositories {
  return Object.freeze({
    miners: new MinersRepo(db),
    results: new TaskResultsRepo(db),
    scores: new ScoresRepo(db),
    comparisons: new ComparisonsRepo(db),
    weights: new WeightsRepo(db),
    apiKeys: new ApiKeysRepo(db),
    state: new StateRepo(db),
    capacity: new CapacityRepo(db),
  });
}

function describe(config: StorageConfig): string {
  return config.engine === 'pglite' ? config.dataDir : redactUrl(config.url);
}

export function openClient(config: StorageConfig, log?: Logger): Promise<SqlClient> {
  if (config.engine === 'pglite') return openPgliteClient(config.dataDir);
  return openPostgresClient({
    url: config.url,
    ...(config.maxConnections === undefined ? {} : { maxConnections: config.maxConnections }),
    onIdleError: (error) => log?.warn({ err: error }, 'idle PostgreSQL connection failed'),
  });
}

export async function openStorage(
  config: StorageConfig,
  options: OpenStorageOptions = {},
): Promise<Storage> {
  const log = (options.logger ?? pino({ level: 'silent' })).child({ module: 'storage' });
  const client = await openClient(config, log);
  let migration: MigrationReport;
  try {
    migration = await migrate(client, {
      ...(options.migrations ? { migrations: options.migrations } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
  log.info(
    {
      engine: client.engine,
      where: describe(config),
      fromVersion: migration.fromVersion,
      schemaVersion: migration.toVersion,
      applied: migration.applied,
    },
    'storage open',
  );
  return Object.freeze({
    ...repositories(clientDb(client)),
    engine: client.engine,
    schemaVersion: migration.toVersion,
    migration,
    transaction: <T>(fn: (repos: Repositories) => Promise<T>) =>
      client.transaction((tx) => fn(repositories(transactionDb(tx)))),
    async close() {
      await client.close();
      log.info({ engine: client.engine }, 'storage closed');
    },
  });
}
