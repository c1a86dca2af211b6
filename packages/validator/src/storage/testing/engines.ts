/**
 * Runs a storage test on both engines: `describe.each(STORAGE_ENGINES)` and one harness per
 * engine, which hands each test its own fresh database (a PGlite data directory, or a database on
 * a PostgreSQL server the harness starts itself) and cleans up after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StorageEngine } from '../sqlClient';
import type { StorageConfig } from '../storageConfig';
import { freshPgliteDir } from './pgliteDirs';
import { type PostgresServer, startPostgresServer } from './postgresServer';

export const STORAGE_ENGINES: readonly StorageEngine[] = ['pglite', 'postgres'];

export interface EngineHarness {
  readonly engine: StorageEngine;
  /** Starts what the engine needs (a PostgreSQL server); safe to call more than once. */
  start(): Promise<void>;
  /** A config pointing at a new, empty database; opening it twice opens the same database. */
  freshConfig(): Promise<StorageConfig>;
  close(): Promise<void>;
}

function pgliteHarness(): EngineHarness {
  const parent = mkdtempSync(join(tmpdir(), 'validator-test-'));
  return {
    engine: 'pglite',
    async start() {},
    async freshConfig() {
      return { engine: 'pglite', dataDir: await freshPgliteDir(parent) };
    },
    async close() {
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

function postgresHarness(): EngineHarness {
  let server: Promise<PostgresServer> | undefined;
  const started = () => {
    server ??= startPostgresServer();
    return server;
  };
  return {
    engine: 'postgres',
    async start() {
      await started();
    },
    async freshConfig() {
      return { engine: 'postgres', url: await (await started()).createDatabase() };
    },
    async close() {
      if (server) await (await server).stop();
    },
  };
}

export function engineHarness(engine: StorageEngine): EngineHarness {
  return engine === 'pglite' ? pgliteHarness() : postgresHarness();
}
