/**
 * Finds the PostgreSQL server binaries (initdb, pg_ctl) the tests start a throwaway cluster with:
 * `PG_BIN_DIR` when set, else the newest Debian/Ubuntu install under /usr/lib/postgresql, else
 * the PATH. Missing binaries are an error that says how to install them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ValidatorError, ValidatorErrorCode } from '../../errors';

export const INSTALL_HINT =
  'install the PostgreSQL server with `apt-get update && apt-get install -y postgresql` ' +
  '(Debian/Ubuntu; or run scripts/postgres/install.sh), or set PG_BIN_DIR to the folder ' +
  'holding initdb and pg_ctl';

function hasBinaries(dir: string): boolean {
  return existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));
}

export function findPostgresBinDir(
  env: NodeJS.ProcessEnv = process.env,
  debianRoot = '/usr/lib/postgresql',
): string {
  const fromEnv = env.PG_BIN_DIR;
  if (fromEnv) {
    if (hasBinaries(fromEnv)) return fromEnv;
    throw new ValidatorError(
      ValidatorErrorCode.PostgresNotInstalled,
      `PG_BIN_DIR=${fromEnv} holds no initdb and pg_ctl; ${INSTALL_HINT}`,
    );
  }
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const dir = join(debianRoot, v, 'bin');
      if (hasBinaries(dir)) return dir;
    }
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && hasBinaries(dir)) return dir;
  }
  throw new ValidatorError(
    ValidatorErrorCode.PostgresNotInstalled,
    `the PostgreSQL server binaries (initdb, pg_ctl) were not found; ${INSTALL_HINT}`,
  );
}
