/**
 * A throwaway PostgreSQL cluster for tests: `initdb` into a temp dir, `pg_ctl start` on a free
 * loopback port (as the `postgres` user when running as root, since the server refuses root),
 * trust auth, no fsync. `createDatabase()` gives each test its own empty database.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ValidatorError, ValidatorErrorCode } from '../../errors';
import { findPostgresBinDir } from './postgresBinaries';

const run = promisify(execFile);

export interface PostgresServer {
  /** URL of the cluster's `postgres` database, as superuser `postgres`. */
  readonly url: string;
  readonly port: number;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

interface RunAs {
  uid: number;
  gid: number;
}

function postgresUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new ValidatorError(
      ValidatorErrorCode.PostgresNotInstalled,
      'running as root, but there is no `postgres` user to run the server as (the server refuses ' +
        'root); `apt-get install -y postgresql` creates it, or run the tests as another user',
    );
  }
  return { uid: Number(uid), gid: Number(gid) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgresServer(): Promise<PostgresServer> {
  const binDir = findPostgresBinDir();
  const as = postgresUser();
  const root = mkdtempSync(join(tmpdir(), 'validator-pg-'));
  const dataDir = join(root, 'data');
  const logFile = join(root, 'server.log');
  if (as) {
    chownSync(root, as.uid, as.gid);
    chmodSync(root, 0o700);
  }
  const exec = (bin: string, args: string[]) =>
    run(join(binDir, bin), args, {
      ...(as ?? {}),
      cwd: root,
      env: { ...process.env, LC_ALL: 'C' },
    });
  let port = 0;
  try {
    await exec('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '-N']);
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const serverOptions = [
        `-p ${port}`,
        `-k ${root}`,
        "-c listen_addresses='127.0.0.1'",
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
      ].join(' ');
      try {
        await exec('pg_ctl', [
          'start',
          '-D',
          dataDir,
          '-l',
          logFile,
          '-w',
          '-t',
          '60',
          '-o',
          serverOptions,
        ]);
        break;
      } catch (error) {
        // Another process may have taken the port between probing and binding: try another.
        if (attempt >= 3) throw error;
      }
    }
  } catch (cause) {
    let log = '';
    try {
      log = readFileSync(logFile, 'utf8').slice(-2000);
    } catch {}
    rmSync(root, { recursive: true, force: true });
    throw new Error(
      `could not start a test PostgreSQL server with ${binDir}: ${(cause as Error).message}\n${log}`,
      { cause },
    );
  }
  const stopSync = () => {
    try {
      execFileSync(join(binDir, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'immediate', '-w'], {
        ...(as ?? {}),
        stdio: 'ignore',
      });
    } catch {}
    rmSync(root, { recursive: true, force: true });
  };
  // A test process that dies without stopping the server must not leave it running.
  process.once('exit', stopSync);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let databases = 0;
  let stopped = false;
  return {
    url,
    port,
    async createDatabase() {
      databases += 1;
      const name = `test_${process.pid}_${databases}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', stopSync);
      try {
        await exec('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
