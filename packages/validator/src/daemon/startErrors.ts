/**
 * What stops the validator at start, in the operator's words: which step failed, why, and the
 * command or setting that fixes it. Errors of the step that are not these pass through as they are.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ChainError,
  ChainErrorCode,
  registerCommand,
  resolveEndpoint,
  unreachableFix,
  walletCreateCommand,
} from '@subnet/chain';
import type { ValidatorConfig } from '../config/validatorConfig';
import { ValidatorError, ValidatorErrorCode } from '../errors';
import { redactUrl } from '../storage/postgresClient';

type Wallet = ValidatorConfig['wallet'];

/** Loading the hotkey failed: a missing file names itself and the command that creates it. */
export function walletError(err: unknown, wallet: Wallet): unknown {
  if (!(err instanceof ChainError) || err.code !== ChainErrorCode.KeyfileNotFound) return err;
  const hasColdkey = existsSync(join(wallet.path, wallet.name, 'coldkeypub.txt'));
  const file = join(wallet.path, wallet.name, 'hotkeys', wallet.hotkey);
  return new ValidatorError(
    ValidatorErrorCode.WalletMissing,
    `no hotkey file at ${file} (wallet ${wallet.name}, hotkey ${wallet.hotkey})`,
    {
      fix: `create it with \`${walletCreateCommand(wallet, hasColdkey)}\`, or point --wallet.name, --wallet.hotkey and --wallet.path at an existing one`,
    },
  );
}

/** Connecting to the chain failed. */
export function chainError(err: unknown, network: string): unknown {
  if (!(err instanceof ChainError) || err.code !== ChainErrorCode.Connection) return err;
  let endpoint = network;
  try {
    endpoint = resolveEndpoint(network);
  } catch {
    // An unknown network name is reported by the connection itself.
  }
  return new ValidatorError(
    ValidatorErrorCode.ChainUnreachable,
    `the chain is unreachable at ${endpoint}`,
    {
      cause: err,
      fix: unreachableFix(endpoint),
    },
  );
}

/** The hotkey has no uid on the subnet. */
export function notRegisteredError(
  config: Pick<ValidatorConfig, 'netuid' | 'wallet' | 'subtensor'>,
  address: string,
): ValidatorError {
  const { netuid, wallet, subtensor } = config;
  return new ValidatorError(
    ValidatorErrorCode.NotRegistered,
    `hotkey ${address} (wallet ${wallet.name}/${wallet.hotkey}) is not registered on subnet ${netuid}`,
    {
      fix: `register it first: ${registerCommand({ network: subtensor.network, netuid, wallet })}`,
    },
  );
}

/** Opening the storage failed: an unreachable PostgreSQL names the URL (password hidden). */
export function storageError(err: unknown, databaseUrl: string | undefined): unknown {
  if (
    databaseUrl === undefined ||
    !(err instanceof ValidatorError) ||
    err.code !== ValidatorErrorCode.StorageOpenFailed
  )
    return err;
  return new ValidatorError(
    ValidatorErrorCode.DatabaseUnreachable,
    `the database is unreachable at ${redactUrl(databaseUrl)}`,
    {
      cause: err.cause ?? err,
      fix: 'check that the PostgreSQL server runs and the URL of --database-url (or SUBNET_VALIDATOR_DATABASE_URL) is right; leave it out to use the embedded database',
    },
  );
}
