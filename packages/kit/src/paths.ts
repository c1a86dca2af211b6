/**
 * Paths an operator types are taken from the folder the command was run in. A command started by
 * a package script runs in the package's folder, so the folder the operator was in is read from
 * `INIT_CWD` (set by npm and pnpm to where they were started); otherwise the process's own cwd.
 * `~` and `~/…` are the home folder. Everything here is pure: the caller passes env, cwd and home.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export interface PathContext {
  /** The folder relative paths are taken from. */
  readonly cwd: string;
  /** The home folder `~` stands for. */
  readonly home: string;
}

/** The folder the operator ran the command in: `INIT_CWD` when a package manager set it, else cwd. */
export function invocationDir(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): string {
  const init = env.INIT_CWD;
  return init !== undefined && init !== '' && isAbsolute(init) ? init : cwd;
}

/** The path context of this process (for `main` files only; libraries take a `PathContext`). */
export function processPathContext(
  env: Readonly<Record<string, string | undefined>> = process.env,
): PathContext {
  return { cwd: invocationDir(env, process.cwd()), home: homedir() };
}

/** `~` and `~/x` → the home folder; anything else unchanged. */
export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

/** An operator's path made absolute: `~` expanded, relative paths taken from `ctx.cwd`. */
export function resolvePath(path: string, ctx: PathContext): string {
  return resolve(ctx.cwd, expandHome(path, ctx.home));
}
