/**
 * One process per embedded data directory: PGlite is a single-user PostgreSQL, and two processes
 * writing the same directory would corrupt it. The lock is a file beside the directory holding the
 * owner's pid; a lock whose process is gone (a crash, a kill -9) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { ValidatorError, ValidatorErrorCode } from '../errors';

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDataDir(dataDir: string): DataDirLock {
  const path = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) {
        throw new ValidatorError(
          ValidatorErrorCode.StorageDataDirInUse,
          `the data directory ${dataDir} is in use by process ${owner} (lock file ${path}); ` +
            'stop that validator first, or give this one another data directory',
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new ValidatorError(
    ValidatorErrorCode.StorageDataDirInUse,
    `could not take the lock ${path} for the data directory ${dataDir}`,
  );
}
