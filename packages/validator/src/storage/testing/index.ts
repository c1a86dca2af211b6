export { type EngineHarness, engineHarness, STORAGE_ENGINES } from './engines';
export { freshPgliteDir } from './pgliteDirs';
export { findPostgresBinDir, INSTALL_HINT } from './postgresBinaries';
export { type PostgresServer, startPostgresServer } from './postgresServer';
