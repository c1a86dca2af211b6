/** Runs the project's Python (.venv, made by scripts/python-env.sh) for oracle and interop tests. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const VENV_PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');
export const PY_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../python');

export function requirePython(): string {
  if (!existsSync(VENV_PYTHON)) {
    throw new Error(
      `the Python test peers are missing (${VENV_PYTHON}); run ./dev test, or bash scripts/python-env.sh`,
    );
  }
  return VENV_PYTHON;
}

/** Runs a Python script with `input` on stdin; resolves with stdout, rejects with stderr. */
export function runPython(script: string, input: string, args: string[] = []): Promise<string> {
  const py = requirePython();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(py, [join(PY_DIR, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(out);
      else reject(new Error(`${script} exited with ${code}: ${err.slice(-4000)}`));
    });
    child.stdin.end(input);
  });
}
