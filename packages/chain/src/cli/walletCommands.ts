/** `pnpm chain wallet create` and `pnpm chain wallet list`: wallets in the btcli layout. */
import { existsSync } from 'node:fs';
import {
  CliError,
  type CommandSpec,
  JSON_FLAG,
  type OptionSpec,
  PASSWORD_ENV_FLAG,
  passwordFromEnv,
  UsageError,
  WALLET_FLAGS,
} from '@subnet/kit';
import { ChainErrorCode } from '../errors.js';
import { walletCreateCommand } from '../operatorHints.js';
import { createColdkey, createHotkey, listWallets, walletPaths } from '../wallet/wallet.js';
import { explainWalletError, suggested, toJson, walletOf } from './cliSupport.js';

export const walletCreate: CommandSpec = {
  name: 'wallet create',
  summary: 'create a wallet: a coldkey and a hotkey (or a hotkey only)',
  description:
    'Creates the coldkey (NaCl-encrypted with the password in the variable --password-env names, else unencrypted) and the hotkey, in the btcli layout. It prints the mnemonics once: write them down. Existing key files are never overwritten.',
  options: {
    ...WALLET_FLAGS,
    ...PASSWORD_ENV_FLAG,
    'hotkey-only': {
      type: 'boolean',
      description: 'add the hotkey to a wallet that has its coldkey already',
    },
  },
  examples: [
    'pnpm chain wallet create --wallet.name mywallet --wallet.hotkey miner1 --password-env MY_COLDKEY_PASSWORD',
    'pnpm chain wallet create --wallet.name mywallet --wallet.hotkey miner2 --hotkey-only',
  ],
  async run({ values, io }) {
    const wallet = walletOf(values, io);
    const hotkeyOnly = values['hotkey-only'] === true;
    const password = passwordFromEnv(values, io.env);
    if (hotkeyOnly && password !== undefined) {
      throw new UsageError(
        '--password-env encrypts a new coldkey, and --hotkey-only makes none',
        'leave out --password-env (hotkeys are unencrypted, as btcli makes them)',
      );
    }
    const paths = walletPaths(wallet);
    const names = suggested(wallet);
    // Refuse before writing anything, so that a refusal leaves no half-made wallet.
    if (!hotkeyOnly && existsSync(paths.coldkey)) {
      throw new CliError(
        ChainErrorCode.KeyfileExists,
        `wallet "${wallet.name}" has a coldkey already (${paths.coldkey})`,
        { fix: `add a hotkey to it: \`${walletCreateCommand(names, true)}\`` },
      );
    }
    if (hotkeyOnly && !existsSync(paths.coldkey) && !existsSync(paths.coldkeypub)) {
      throw new CliError(
        ChainErrorCode.KeyfileNotFound,
        `wallet "${wallet.name}" has no coldkey (${paths.coldkey})`,
        { fix: `create both keys: \`${walletCreateCommand(names)}\`` },
      );
    }
    if (existsSync(paths.hotkey)) {
      throw new CliError(
        ChainErrorCode.KeyfileExists,
        `wallet "${wallet.name}" has a hotkey "${wallet.hotkey}" already (${paths.hotkey})`,
        { fix: 'choose another name with --wallet.hotkey' },
      );
    }
    try {
      if (!hotkeyOnly) {
        const cold = await createColdkey(wallet, password === undefined ? {} : { password });
        io.out(
          `coldkey ${cold.address} ${password === undefined ? '(unencrypted)' : '(encrypted, NaCl)'}`,
        );
        io.out(`  mnemonic: ${cold.mnemonic}`);
      }
      const hot = await createHotkey(wallet);
      io.out(`hotkey ${wallet.hotkey} ${hot.address}`);
      io.out(`  mnemonic: ${hot.mnemonic}`);
    } catch (err) {
      throw explainWalletError(err, wallet);
    }
    io.out('Write the mnemonics down now: they are not shown again.');
    return 0;
  },
};

export const walletList: CommandSpec = {
  name: 'wallet list',
  summary: 'the wallets with their coldkey and hotkey addresses',
  description: 'Reads the public files only: no password is asked.',
  options: {
    'wallet.path': WALLET_FLAGS['wallet.path'] as OptionSpec,
    ...JSON_FLAG,
  },
  run({ values, io }) {
    const { path } = walletOf(values, io);
    const wallets = listWallets(path);
    if (values.json === true) {
      io.out(toJson({ path, wallets }));
      return 0;
    }
    if (wallets.length === 0) io.out(`no wallets under ${path}`);
    for (const w of wallets) {
      io.out(`${w.name}  coldkey ${w.coldkey ?? '(no coldkeypub.txt)'}`);
      for (const h of w.hotkeys) io.out(`  ${h.name.padEnd(16)} ${h.address ?? '(encrypted)'}`);
    }
    return 0;
  },
};
