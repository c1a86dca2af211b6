/**
 * Fresh PGlite data directories for tests. Creating one from nothing runs PGlite's initdb (several
 * seconds on a busy machine), so an empty initialized directory is made once per PGlite install,
 * kept under the OS temp dir, and copied for each test. The template is made in a private
 * directory and renamed into place, so parallel test processes never see half of one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

function templatePath(): string {
  // The resolved path names the installed PGlite version (pnpm's store layout), so a new version
  // gets a new template.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const key = createHash('sha256').update(entry).digest('hex').slice(0, 16);
  return join(tmpdir(), `validator-pglite-template-${key}`);
}

let template: Promise<string> | undefined;

async function buildTemplate(): Promise<string> {
  const target = templatePath();
  if (existsSync(join(target, 'PG_VERSION'))) return target;
  const building = join(tmpdir(), `validator-pglite-build-${randomBytes(6).toString('hex')}`);
  const db = new PGlite(building);
  await db.waitReady;
  await db.close();
  try {
    renameSync(building, target);
  } catch {
    // Another process put its template in place first; use that one.
    rmSync(building, { recursive: true, force: true });
  }
  return target;
}

/** A new, empty, initialized PGlite data directory under `parent`. */
export async function freshPgliteDir(parent: string): Promise<string> {
  template ??= buildTemplate();
  const source = await template;
  const dir = mkdtempSync(join(parent, 'pglite-'));
  rmSync(dir, { recursive: true });
  cpSync(source, dir, { recursive: true });
  return dir;
}
