import { homedir } from 'node:os';

/** `~` and `~/...` in configured paths, as a shell would expand them. */
export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}
