/**
 * Doctor checks of a daemon's wallet, from its files alone (no password, no chain): the hotkey
 * file is there and reads as a key (and `coldkeypub.txt` when the daemon needs the coldkey's
 * address), and no key file is open to other users of the machine.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { encodeAddress } from '@polkadot/util-crypto';
import type { Check, CheckResult } from '@subnet/kit';
import { SS58_FORMAT } from '../keys.js';
import { shellWord, walletCreateCommand } from '../operatorHints.js';
import {
  type KeyfileJson,
  keyfileFormat,
  keypairFromKeyfileJson,
  parseKeyfileJson,
} from '../wallet/keyfile.js';
import { loadColdkeyPub, walletPaths } from '../wallet/wallet.js';

export interface WalletLocation {
  /** The wallets folder, absolute. */
  readonly path: string;
  /** The wallet (coldkey) name. */
  readonly name: string;
  /** The hotkey name. */
  readonly hotkey: string;
}

export interface WalletChecksOptions extends WalletLocation {
  /** Whether `coldkeypub.txt` must be there too (default false). */
  readonly coldkey?: boolean;
}

function addressOf(json: KeyfileJson): string | undefined {
  if (json.ss58Address) return json.ss58Address;
  if (json.publicKey) return encodeAddress(json.publicKey, SS58_FORMAT);
  return undefined;
}

function publicAddress(file: string): string | undefined {
  try {
    const data = readFileSync(file);
    if (keyfileFormat(data) !== 'plain') return undefined;
    return addressOf(parseKeyfileJson(data, file));
  } catch {
    return undefined;
  }
}

/**
 * The hotkey's ss58 address from its files, without a password: the hotkey file when it is
 * unencrypted, else `hotkeys/<name>pub.txt`. Undefined when neither is there or readable.
 */
export function readHotkeyAddress(opts: WalletLocation): string | undefined {
  const paths = walletPaths(opts);
  return publicAddress(paths.hotkey) ?? publicAddress(paths.hotkeypub);
}

const REGEN_HINT = 'restore it from a backup, or regenerate it from its mnemonic with btcli';

async function hotkeyFile(
  opts: WalletChecksOptions,
): Promise<CheckResult | { address: string; note: string }> {
  const paths = walletPaths(opts);
  if (!existsSync(paths.hotkey)) {
    const hasColdkey = existsSync(paths.coldkey) || existsSync(paths.coldkeypub);
    return {
      status: 'blocker',
      detail: `no hotkey file at ${paths.hotkey}`,
      fix: `create it: \`${walletCreateCommand(opts, hasColdkey)}\``,
    };
  }
  const data = readFileSync(paths.hotkey);
  const format = keyfileFormat(data);
  if (format === 'plain') {
    try {
      const pair = await keypairFromKeyfileJson(parseKeyfileJson(data, paths.hotkey), paths.hotkey);
      return { address: pair.address, note: '' };
    } catch (err) {
      return {
        status: 'blocker',
        detail: `${paths.hotkey} is not a usable key: ${(err as Error).message}`,
        fix: REGEN_HINT,
      };
    }
  }
  if (format === 'nacl') {
    const address = publicAddress(paths.hotkeypub);
    if (address === undefined) {
      return {
        status: 'warn',
        detail: `${paths.hotkey} is encrypted and ${paths.hotkeypub} is missing: its address is known only once decrypted`,
        fix: 'give the daemon its password (--password-env), or put the hotkey pub file back',
      };
    }
    return { address, note: ' (encrypted: the daemon needs its password)' };
  }
  return {
    status: 'blocker',
    detail:
      format === 'unknown'
        ? `${paths.hotkey} is not a key file`
        : `${paths.hotkey} uses the legacy ${format} encryption, which cannot be read here`,
    fix:
      format === 'unknown'
        ? REGEN_HINT
        : 're-encrypt it with `btcli wallet update`, or regenerate the wallet',
  };
}

function walletFilesCheck(opts: WalletChecksOptions): Check {
  return {
    name: 'wallet files',
    async run() {
      const hot = await hotkeyFile(opts);
      if ('status' in hot) return hot;
      let coldkey = '';
      if (opts.coldkey) {
        const paths = walletPaths(opts);
        if (!existsSync(paths.coldkeypub)) {
          return {
            status: 'blocker',
            detail: `no coldkeypub.txt at ${paths.coldkeypub} (hotkey ${hot.address})`,
            fix: "copy coldkeypub.txt (it holds no secret) from the machine where the wallet's coldkey was made",
          };
        }
        try {
          coldkey = `, coldkey ${loadColdkeyPub(opts)}`;
        } catch (err) {
          return {
            status: 'blocker',
            detail: `${paths.coldkeypub} is not usable: ${(err as Error).message}`,
            fix: "copy coldkeypub.txt again from where the wallet's coldkey was made",
          };
        }
      }
      return {
        status: 'ok',
        detail: `hotkey ${hot.address}${hot.note}${coldkey} (wallet ${opts.name}/${opts.hotkey} in ${opts.path})`,
      };
    },
  };
}

function walletPermissionsCheck(opts: WalletChecksOptions): Check {
  return {
    name: 'wallet permissions',
    run() {
      const paths = walletPaths(opts);
      const files = [
        { file: paths.hotkey, what: 'hotkey', loaded: true },
        { file: paths.coldkey, what: 'coldkey', loaded: false },
      ].filter((f) => existsSync(f.file));
      if (files.length === 0) {
        return { status: 'skip', detail: 'no key file to check (see wallet files)' };
      }
      const blockers: string[] = [];
      const warnings: string[] = [];
      const fix: string[] = [];
      const modes: string[] = [];
      for (const { file, what, loaded } of files) {
        const mode = statSync(file).mode & 0o777;
        const octal = mode.toString(8).padStart(3, '0');
        modes.push(`${what} ${octal}`);
        if (mode & 0o002) {
          blockers.push(`the ${what} file ${file} is writable by anyone (mode ${octal})`);
        } else if (mode & 0o077 && loaded) {
          // The daemon's loader refuses a secret key file others can open: it would not start.
          blockers.push(
            `the ${what} file ${file} is open to group or others (mode ${octal}): the daemon refuses to load it`,
          );
        } else if (mode & 0o077) {
          warnings.push(`the ${what} file ${file} is open to group or others (mode ${octal})`);
        } else {
          continue;
        }
        fix.push(shellWord(file));
      }
      if (blockers.length > 0 || warnings.length > 0) {
        return {
          status: blockers.length > 0 ? 'blocker' : 'warn',
          detail: [...blockers, ...warnings].join('; '),
          fix: `chmod 600 ${fix.join(' ')}`,
        };
      }
      return { status: 'ok', detail: `${modes.join(', ')}: only you can read them` };
    },
  };
}

/** 'wallet files' and 'wallet permissions', in that order. */
export function walletChecks(opts: WalletChecksOptions): Check[] {
  return [walletFilesCheck(opts), walletPermissionsCheck(opts)];
}
