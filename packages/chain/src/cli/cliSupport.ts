/**
 * What the `pnpm chain` commands share: settings read from their flags (once, here), the
 * connection with its deadline, and the library's errors told in the operator's terms (the code
 * that names the cause, and the command that fixes it).
 */
import { existsSync } from 'node:fs';
import {
  CliError,
  type CliIo,
  LOGGING_FLAGS,
  type Logger,
  type OptionSpec,
  type OptionTable,
  type OptionValues,
  resolvePath,
  stringOption,
  UsageError,
} from '@subnet/kit';
import { ChainClient } from '../client/chainClient.js';
import { ChainError, ChainErrorCode } from '../errors.js';
import { resolveEndpoint } from '../networks.js';
import {
  shellWord,
  unreachableFix,
  type WalletNames,
  walletCreateCommand,
} from '../operatorHints.js';
import { walletPaths } from '../wallet/wallet.js';

/** The logging flags, at `warn` by default: a command's output is its result, not log lines. */
export const QUIET_LOGGING_FLAGS: OptionTable = {
  ...LOGGING_FLAGS,
  'logging.level': { ...(LOGGING_FLAGS['logging.level'] as OptionSpec), default: 'warn' },
};

/** The logger of a command: kit's, on stderr, at the level the logging flags ask (else warn). */
export { commandLogger } from '@subnet/kit';

/** The wallet the flags name, its folder resolved from where the operator ran the command. */
export interface CliWallet extends WalletNames {
  readonly path: string;
  /** Whether `--wallet.path` was given (it is then repeated in the commands we suggest). */
  readonly pathGiven: boolean;
}

export function walletOf(values: OptionValues, io: CliIo): CliWallet {
  const given = stringOption(values, 'wallet.path');
  const path = resolvePath(given ?? io.env.BT_WALLET_PATH ?? '~/.bittensor/wallets', io.paths);
  return {
    name: stringOption(values, 'wallet.name') ?? 'default',
    hotkey: stringOption(values, 'wallet.hotkey') ?? 'default',
    path,
    pathGiven: given !== undefined,
  };
}

/** The wallet as the commands we suggest name it (its folder only when the operator named one). */
export function suggested(wallet: CliWallet): WalletNames {
  return wallet.pathGiven
    ? { name: wallet.name, hotkey: wallet.hotkey, path: wallet.path }
    : { name: wallet.name, hotkey: wallet.hotkey };
}

/** `--netuid N`, required: a whole number 0..65535. */
export function netuidOf(values: OptionValues): number {
  const text = stringOption(values, 'netuid');
  if (text === undefined) {
    throw new UsageError(
      '--netuid N is required (the subnet id)',
      'add --netuid N, e.g. --netuid 2 for the devnet (`pnpm devnet` prints its netuid)',
    );
  }
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new UsageError(
      `--netuid "${text}" is not a subnet id`,
      'give a whole number from 0 to 65535, e.g. --netuid 2',
    );
  }
  return n;
}

/** The network the flags name and its endpoint URL. */
export function networkOf(values: OptionValues, io: CliIo): { network: string; endpoint: string } {
  const network = stringOption(values, 'subtensor.network') ?? 'local';
  try {
    return { network, endpoint: resolveEndpoint(network, io.env) };
  } catch (err) {
    if (err instanceof ChainError && err.code === ChainErrorCode.InvalidArgument) {
      throw new UsageError(
        `--subtensor.network "${network}" is not a network`,
        'use finney, test, archive, local or a ws(s)://host:port URL',
      );
    }
    throw err;
  }
}

export interface ConnectOptions {
  readonly endpoint: string;
  readonly logger: Logger;
  /** How long to wait for the first connection (ms). */
  readonly connectTimeoutMs: number;
}

/** Connects, or fails with `CHAIN_UNREACHABLE`: the URL, and how to check it. */
export async function connect(options: ConnectOptions): Promise<ChainClient> {
  try {
    return await ChainClient.connect({
      network: options.endpoint,
      logger: options.logger,
      connectTimeoutMs: options.connectTimeoutMs,
      callTimeoutMs: 60_000,
    });
  } catch (err) {
    if (err instanceof ChainError && err.code === ChainErrorCode.Connection) {
      throw new CliError(
        'CHAIN_UNREACHABLE',
        `the chain is unreachable at ${options.endpoint} (no connection within ${options.connectTimeoutMs / 1000} s)`,
        { fix: unreachableFix(options.endpoint), cause: err },
      );
    }
    throw err;
  }
}

/** Fails with `CHAIN_SUBNET_NOT_FOUND` (naming the subnets there are) unless `netuid` exists. */
export async function requireSubnet(client: ChainClient, netuid: number): Promise<void> {
  if (await client.subnetExists(netuid)) return;
  const netuids = await client.netuids();
  throw new CliError(
    'CHAIN_SUBNET_NOT_FOUND',
    `subnet ${netuid} does not exist on ${client.endpoint}`,
    {
      fix: `check --netuid: the subnets there are ${netuids.join(', ') || 'none'}`,
    },
  );
}

/**
 * A wallet error from the library, with the fix: the create command for a missing key file,
 * `--password-env` for an encrypted one, `chmod 600` for one that others can read.
 */
export function explainWalletError(err: unknown, wallet: CliWallet): unknown {
  if (!(err instanceof ChainError)) return err;
  const paths = walletPaths(wallet);
  const names = suggested(wallet);
  switch (err.code) {
    case ChainErrorCode.KeyfileNotFound: {
      const which = err.message.endsWith(paths.hotkey) ? 'hotkey' : 'coldkey';
      const file = which === 'hotkey' ? paths.hotkey : paths.coldkey;
      const coldkeyHere = existsSync(paths.coldkey) || existsSync(paths.coldkeypub);
      const fix =
        which === 'coldkey' && existsSync(paths.coldkeypub)
          ? "only the coldkey's public file (coldkeypub.txt) is on this machine: run this command where the coldkey is"
          : `create it: \`${walletCreateCommand(names, which === 'hotkey' && coldkeyHere)}\``;
      return new CliError(
        err.code,
        `no ${which} file at ${file} (wallet "${wallet.name}"${which === 'hotkey' ? `, hotkey "${wallet.hotkey}"` : ''})`,
        { fix, cause: err },
      );
    }
    case ChainErrorCode.KeyfileWrongPassword:
      return new CliError(err.code, err.message, {
        fix: /a password is needed/.test(err.message)
          ? 'put its password in an environment variable (`read -rs COLDKEY_PASSWORD && export COLDKEY_PASSWORD`), then add --password-env COLDKEY_PASSWORD'
          : 'check the password in the variable --password-env names (the one the key was created with)',
        cause: err,
      });
    case ChainErrorCode.KeyfileInsecure: {
      const file = err.message.startsWith(paths.hotkey) ? paths.hotkey : paths.coldkey;
      return new CliError(err.code, err.message.replace(/; run: .*$/, ''), {
        fix: `chmod 600 ${shellWord(file)}`,
        cause: err,
      });
    }
    default:
      return err;
  }
}

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}
