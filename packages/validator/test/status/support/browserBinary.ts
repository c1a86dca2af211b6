/**
 * The headless browser the status-page test drives, found by the rule of
 * scripts/browser/install.sh: $BROWSER_BIN, then the Debian/Ubuntu paths. No browser is an error
 * that says how to get one (CI runs the install script), never a skipped test.
 */
import { accessSync, constants } from 'node:fs';
import { basename } from 'node:path';

export const BROWSER_CANDIDATES: readonly string[] = [
  '/usr/bin/chromium-headless-shell',
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findBrowser(
  env: NodeJS.ProcessEnv = process.env,
  paths: readonly string[] = BROWSER_CANDIDATES,
): string {
  const candidates = [env.BROWSER_BIN, ...paths].filter(
    (p): p is string => typeof p === 'string' && p.length > 0,
  );
  const found = candidates.find(executable);
  if (found) return found;
  throw new Error(
    `no headless browser found (looked at ${candidates.join(', ')}): run scripts/browser/install.sh ` +
      "(it installs Debian's chromium-headless-shell with apt), or set BROWSER_BIN to a Chromium binary",
  );
}

/** `shell` for chrome-headless-shell builds (the old headless mode is all they have), else the new mode. */
export function headlessMode(binary: string): 'shell' | true {
  return basename(binary).includes('headless-shell') ? 'shell' : true;
}
