/**
 * The errors a miner's operator meets before it serves (no wallet, no chain, not registered, port
 * taken), each with the real cause and the exact command or setting that fixes it. Shared by
 * `startMiner` and the `register` / `status` commands.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  ChainError,
  ChainErrorCode,
  walletCreateCommand as chainWalletCreateCommand,
  shellWord,
  unreachableFix,
  walletPaths,
} from '@subnet/chain';
import { MinerError, MinerErrorCode } from '../errors';

export interface WalletSettings {
  readonly name: string;
  readonly hotkey: string;
  readonly path: string;
}

export interface ChainSettings {
  readonly network: string;
  readonly endpoint: string;
}

/** `--wallet.path P`, or nothing for the default folder (as the chain's doctor checks write it). */
function walletPathFlag(path: string): string {
  return path === join(homedir(), '.bittensor', 'wallets')
    ? ''
    : ` --wallet.path ${shellWord(path)}`;
}

/** The command that creates the missing keys (the hotkey only, when the coldkey is there). */
export function walletCreateCommand(wallet: WalletSettings): string {
  const paths = walletPaths(wallet);
  return chainWalletCreateCommand(
    wallet,
    existsSync(paths.coldkey) || existsSync(paths.coldkeypub),
  );
}

/** A key file that could not be loaded, as the operator's error. */
export function walletError(
  cause: unknown,
  wallet: WalletSettings,
  which: 'hotkey' | 'coldkey',
): MinerError {
  const code = cause instanceof ChainError ? cause.code : undefined;
  const path = which === 'hotkey' ? walletPaths(wallet).hotkey : walletPaths(wallet).coldkey;
  const label =
    which === 'hotkey'
      ? `hotkey '${wallet.hotkey}' of wallet '${wallet.name}'`
      : `coldkey of wallet '${wallet.name}'`;
  if (code === ChainErrorCode.KeyfileNotFound) {
    // No cause: the chain's message says the same.
    return new MinerError(
      MinerErrorCode.WalletMissing,
      `no ${which} file at ${path} (the ${label})`,
      {
        fix:
          which === 'hotkey'
            ? `create it with \`${walletCreateCommand(wallet)}\`, or point --wallet.name, --wallet.hotkey and --wallet.path at an existing one`
            : "the coldkey pays the burn: run register where the wallet's coldkey is, or point --wallet.name and --wallet.path at it",
      },
    );
  }
  const fix =
    code === ChainErrorCode.KeyfileInsecure
      ? `chmod 600 '${path}'`
      : code === ChainErrorCode.KeyfileWrongPassword
        ? `put the ${which}'s password in an environment variable and name it with --password-env VAR`
        : `check the key file at ${path}`;
  return new MinerError(
    MinerErrorCode.WalletUnreadable,
    `cannot load the ${label}: ${(cause as Error).message}`,
    { cause, fix },
  );
}

/**
 * A failed connection to the chain as the operator's error: MINER_CHAIN_UNREACHABLE when no
 * connection came up in time; anything else (a runtime this node cannot use) as it was.
 */
export function chainUnreachable(chain: ChainSettings, cause: unknown): unknown {
  const code = cause instanceof ChainError ? cause.code : undefined;
  if (code !== ChainErrorCode.Connection && code !== ChainErrorCode.Timeout) return cause;
  const named = chain.network === chain.endpoint ? '' : ` (--subtensor.network ${chain.network})`;
  return new MinerError(
    MinerErrorCode.ChainUnreachable,
    `the chain is unreachable at ${chain.endpoint}${named}`,
    {
      cause,
      fix: unreachableFix(chain.endpoint),
    },
  );
}

/** The command that registers the hotkey (it shows the burn and asks before spending). */
export function registerCommand(settings: {
  netuid: number;
  subtensor: ChainSettings;
  wallet: WalletSettings;
}): string {
  const { netuid, subtensor, wallet } = settings;
  return `pnpm miner register --netuid ${netuid} --subtensor.network ${shellWord(subtensor.network)} --wallet.name ${shellWord(wallet.name)} --wallet.hotkey ${shellWord(wallet.hotkey)}${walletPathFlag(wallet.path)}`;
}

export function notRegistered(
  settings: { netuid: number; subtensor: ChainSettings; wallet: WalletSettings },
  address: string,
): MinerError {
  return new MinerError(
    MinerErrorCode.NotRegistered,
    `hotkey ${address} is not registered on subnet ${settings.netuid}`,
    {
      fix: `register it (it shows the burn and asks before spending): ${registerCommand(settings)}`,
    },
  );
}

/** A listen that failed, as the operator's error (EADDRINUSE: something holds the port). */
export function listenError(host: string, port: number, cause: unknown): MinerError | unknown {
  const code = (cause as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE') {
    return new MinerError(
      MinerErrorCode.PortInUse,
      `the axon cannot listen on ${host}:${port}: another process holds the port`,
      {
        cause,
        fix: `stop what listens there (\`ss -ltnp 'sport = :${port}'\`) or choose another --axon.port`,
      },
    );
  }
  if (code === 'EADDRNOTAVAIL') {
    return new MinerError(
      MinerErrorCode.ConfigInvalid,
      `the axon cannot listen on ${host}:${port}: ${host} is not an address of this machine`,
      { cause, fix: 'set --axon.ip to one of its interfaces, or 0.0.0.0 for all of them' },
    );
  }
  return cause;
}
