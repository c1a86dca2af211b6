/**
 * The commands and checks an operator is told about when something is missing or wrong, written
 * once so that `pnpm chain`, `pnpm devnet` and the doctor checks say the same thing, exactly as it
 * runs from the repository root.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** `text` as one shell word: unquoted when it is plain, else in single quotes. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./~-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `--wallet.path <path>` unless `path` is the default wallets folder (then nothing). */
function walletPathFlag(path: string | undefined): string[] {
  if (path === undefined) return [];
  if (resolve(path) === join(homedir(), '.bittensor', 'wallets')) return [];
  return ['--wallet.path', shellWord(path)];
}

export interface WalletNames {
  readonly name: string;
  readonly hotkey: string;
  /** The wallets folder (absolute); left out of the command when it is the default one. */
  readonly path?: string;
}

/**
 * `pnpm chain wallet create ...` that makes the wallet's missing keys: the coldkey and the hotkey,
 * or only the hotkey (`hotkeyOnly`) when the wallet has its coldkey already.
 */
export function walletCreateCommand(wallet: WalletNames, hotkeyOnly = false): string {
  return [
    'pnpm chain wallet create',
    '--wallet.name',
    shellWord(wallet.name),
    '--wallet.hotkey',
    shellWord(wallet.hotkey),
    ...walletPathFlag(wallet.path),
    ...(hotkeyOnly ? ['--hotkey-only'] : []),
  ].join(' ');
}

/** `pnpm chain register ...` for the wallet's hotkey on `netuid`. */
export function registerCommand(options: {
  readonly network: string;
  readonly netuid: number;
  readonly wallet?: WalletNames | undefined;
}): string {
  const w = options.wallet;
  return [
    'pnpm chain register',
    '--subtensor.network',
    shellWord(options.network),
    '--netuid',
    String(options.netuid),
    '--wallet.name',
    w ? shellWord(w.name) : '<NAME>',
    '--wallet.hotkey',
    w ? shellWord(w.hotkey) : '<HOTKEY>',
    ...walletPathFlag(w?.path),
  ].join(' ');
}

function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host.startsWith('127.') || host === '[::1]';
  } catch {
    return false;
  }
}

/** What to check when no connection to `endpoint` could be made. */
export function unreachableFix(endpoint: string): string {
  if (isLoopback(endpoint)) {
    return `is a devnet running there? \`pnpm devnet\` starts one on ws://127.0.0.1:9944 (\`--port N\` for another port); or pass the right --subtensor.network`;
  }
  return `check the URL and that this machine reaches it (DNS, firewall, the node is up); or choose another endpoint with --subtensor.network (finney, test, local or ws(s)://host:port)`;
}
