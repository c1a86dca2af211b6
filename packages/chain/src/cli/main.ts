#!/usr/bin/env node
// `pnpm chain ...`: operator helpers over the same code the miner and validator use.
import { parseArgs } from 'node:util';
import { ChainClient } from '../client/chainClient.js';
import { ChainError } from '../errors.js';
import {
  createColdkey,
  createHotkey,
  defaultWalletPath,
  listWallets,
  loadColdkey,
  loadHotkey,
} from '../wallet/wallet.js';
import { metagraphTable } from './table.js';

const HELP = `pnpm chain <command> [options]

Commands:
  wallet create --wallet.name <name> [--wallet.hotkey <hotkey>] [--password-env <VAR>]
      Create a coldkey (NaCl-encrypted with the password in env VAR, else unencrypted) and a
      hotkey in the btcli layout. Prints the mnemonics once: write them down.
  wallet create --wallet.name <name> --wallet.hotkey <hotkey> --hotkey-only
      Add a hotkey to an existing wallet.
  wallet list
      The wallets with their coldkey and hotkey addresses (public files only).
  register --netuid <n> --wallet.name <name> [--wallet.hotkey <hotkey>] [--password-env <VAR>]
      burned_register the hotkey on the subnet, paid by the coldkey. Prints the uid.
  metagraph --netuid <n> [--json]
      The subnet's neurons as a table.
  weights policy --netuid <n> [--json]
      How the chain wants weights on the subnet: the path a validator takes (set_weights, hash
      commit/reveal or timelocked commits to a drand round) and why, with commit-reveal on/off
      and version, reveal period, tempo, rate limit, version key, mechanisms, drand round.

Common options:
  --network <name|url>   finney, test, local (default) or ws://host:port
  --wallet.path <dir>    wallets directory (default ${defaultWalletPath()})
  -h, --help

The coldkey password is never taken on the command line: put it in an environment variable and
name that variable with --password-env.
`;

function fail(msg: string, code = 2): never {
  process.stderr.write(`chain: ${msg}\n`);
  process.exit(code);
}

const out = (s: string) => process.stdout.write(`${s}\n`);

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'warn';
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2).filter((a) => a !== '--'),
      allowPositionals: true,
      strict: true,
      options: {
        network: { type: 'string' },
        netuid: { type: 'string' },
        'wallet.name': { type: 'string' },
        'wallet.hotkey': { type: 'string' },
        'wallet.path': { type: 'string' },
        'password-env': { type: 'string' },
        'hotkey-only': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    fail(`${(err as Error).message}\n\n${HELP}`);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const [cmd, sub] = parsed.positionals;
  if (v.help || !cmd) {
    process.stdout.write(HELP);
    return;
  }
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const path = str('wallet.path') ?? defaultWalletPath();
  const name = str('wallet.name');
  const hotkey = str('wallet.hotkey') ?? 'default';
  const password = () => {
    const env = str('password-env');
    if (!env) return undefined;
    const pw = process.env[env];
    if (pw === undefined) fail(`--password-env ${env}: that variable is not set`);
    return pw;
  };
  const netuid = () => {
    const n = Number(str('netuid'));
    if (!Number.isInteger(n) || n < 0) fail('--netuid <n> is required (a whole number)');
    return n;
  };

  if (cmd === 'wallet' && sub === 'list') {
    const wallets = listWallets(path);
    if (wallets.length === 0) out(`no wallets under ${path}`);
    for (const w of wallets) {
      out(`${w.name}  coldkey ${w.coldkey ?? '(no coldkeypub.txt)'}`);
      for (const h of w.hotkeys) out(`  ${h.name.padEnd(16)} ${h.address ?? '(encrypted)'}`);
    }
    return;
  }
  if (cmd === 'wallet' && sub === 'create') {
    if (!name) fail('--wallet.name is required');
    const pw = password();
    if (!v['hotkey-only']) {
      const cold = await createColdkey({ name, path }, pw === undefined ? {} : { password: pw });
      out(`coldkey ${cold.address} ${pw === undefined ? '(unencrypted)' : '(encrypted, NaCl)'}`);
      out(`  mnemonic: ${cold.mnemonic}`);
    }
    const hot = await createHotkey({ name, hotkey, path });
    out(`hotkey ${hotkey} ${hot.address}`);
    out(`  mnemonic: ${hot.mnemonic}`);
    out('Write the mnemonics down now: they are not shown again.');
    return;
  }
  if (cmd === 'register') {
    if (!name) fail('--wallet.name is required');
    const id = netuid();
    const [cold, hot] = await Promise.all([
      loadColdkey({ name, path }, { password: password() }),
      loadHotkey({ name, hotkey, path }),
    ]);
    const client = await ChainClient.connect({ network: str('network') ?? 'local' });
    try {
      const existing = await client.uidForHotkey(id, hot.address);
      if (existing !== undefined) {
        out(`hotkey ${hot.address} is already uid ${existing} on subnet ${id}`);
        return;
      }
      const uid = await client.burnedRegister({ netuid: id, coldkey: cold, hotkey: hot.address });
      out(`registered hotkey ${hot.address} on subnet ${id} as uid ${uid}`);
    } finally {
      await client.close();
    }
    return;
  }
  if (cmd === 'metagraph') {
    const id = netuid();
    const client = await ChainClient.connect({ network: str('network') ?? 'local' });
    try {
      const mg = await client.metagraph(id);
      if (v.json) {
        out(JSON.stringify(mg, (_k, val) => (typeof val === 'bigint' ? val.toString() : val)));
      } else {
        out(metagraphTable(mg));
      }
    } finally {
      await client.close();
    }
    return;
  }
  if (cmd === 'weights' && sub === 'policy') {
    const id = netuid();
    const client = await ChainClient.connect({ network: str('network') ?? 'local' });
    try {
      const p = await client.weights.policy(id);
      if (v.json) {
        out(JSON.stringify(p, (_k, val) => (typeof val === 'bigint' ? val.toString() : val)));
      } else {
        out(`path               ${p.path} (${p.reason})`);
        out(
          `commit-reveal      ${p.commitReveal ? 'on' : 'off'}${p.commitRevealVersion === undefined ? '' : `, version ${p.commitRevealVersion}`}`,
        );
        out(
          `reveal period      ${p.revealPeriodEpochs} epoch(s), tempo ${p.tempo}, ${p.epochModel} epochs`,
        );
        out(`rate limit         ${p.rateLimit} blocks`);
        out(`version key        >= ${p.versionKey}`);
        out(
          `mechanisms         ${p.mechanismCount}${p.mechanismSplit ? ` (split ${p.mechanismSplit.join('/')})` : ''}`,
        );
        out(
          `drand              ${p.drandLastRound > 0n ? `round ${p.drandLastRound} stored` : 'no pulses stored'}`,
        );
      }
    } finally {
      await client.close();
    }
    return;
  }
  fail(`unknown command "${[cmd, sub].filter(Boolean).join(' ')}"\n\n${HELP}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof ChainError) fail(`${err.code}: ${err.message}`, 1);
    fail(String((err as Error)?.stack ?? err), 1);
  },
);
