import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root, found from this file (not the working directory). */
export const repoRoot = join(here, '..', '..', '..', '..');
export const venvPython = join(repoRoot, '.venv', 'bin', 'python');

/** Runs a Python script of this folder with the project venv; returns stdout. */
export async function runPython(script: string, args: readonly string[]): Promise<string> {
  if (!existsSync(venvPython)) {
    throw new Error(`${venvPython} is missing: run scripts/python-env.sh to create the venv`);
  }
  const { stdout } = await promisify(execFile)(venvPython, [join(here, script), ...args], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}
