// `pnpm chain` in-process (the kit's runProgram with a recording io): help of every command at
// 80 columns, the usage errors (exit 2), the wallet commands on a temporary folder, and the
// failures of register before and at the chain (exit 1), each with the fix an operator runs.
import { chmodSync, cpSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CommandSpec, type ProgramSpec, runProgram } from '@subnet/kit';
import { type MemoryIo, memoryIo } from '@subnet/kit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { chainProgram } from './chainProgram.js';

const program = chainProgram({ connectTimeoutMs: 1_000 });
const tmp = mkdtempSync(join(tmpdir(), 'chain-cli-'));
const FIXTURES = new URL('../../test/fixtures/wallets/', import.meta.url).pathname;

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(argv: string[], env: Record<string, string> = {}): Promise<[number, MemoryIo]> {
  const io = memoryIo({ cwd: tmp, home: join(tmp, 'home'), env });
  return [await runProgram(program, argv, io), io];
}

const normalize = (text: string) => text.replace(/\s+/g, ' ').trim();

/** No line over 80 columns, and every text of the command whole (no word split or lost). */
function expectWholeHelp(help: string, command: CommandSpec): void {
  for (const line of help.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  const flat = normalize(help);
  expect(flat).toContain(normalize(command.summary));
  if (command.description) expect(flat).toContain(normalize(command.description));
  for (const [name, spec] of Object.entries(command.options)) {
    expect(flat).toContain(`--${name}`);
    expect(flat).toContain(normalize(spec.description));
  }
  for (const example of command.examples ?? []) expect(flat).toContain(normalize(example));
}

describe('pnpm chain --help', () => {
  it('lists every command within 80 columns', async () => {
    const [code, io] = await run(['--help']);
    expect(code).toBe(0);
    const help = io.stdout.join('\n');
    for (const line of help.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(help.split('\n').slice(0, 13)).toEqual([
      'Usage: pnpm chain <command> [options]',
      '',
      'Wallets, registration, the metagraph and the weights policy of a subnet, over',
      'the same code the miner and the validator use.',
      '',
      'Commands:',
      '  wallet create   create a wallet: a coldkey and a hotkey (or a hotkey only)',
      '  wallet list     the wallets with their coldkey and hotkey addresses',
      '  register        burned_register the hotkey on a subnet, paid by the coldkey;',
      '                  prints the uid',
      "  metagraph       the subnet's neurons as a table (or JSON)",
      '  weights policy  how the chain wants weights on the subnet, and why',
      '',
    ]);
    expect(normalize(help)).toContain(normalize((program as ProgramSpec).footer ?? ''));
  });

  it.each(program.commands.map((c) => [c.name, c] as const))(
    '%s --help: every option and text whole within 80 columns',
    async (name, command) => {
      const [code, io] = await run([...name.split(' '), '--help']);
      expect(code).toBe(0);
      expect(io.stderr).toEqual([]);
      const help = io.stdout.join('\n');
      expect(help.split('\n')[0]).toBe(`Usage: pnpm chain ${name} [options]`);
      expectWholeHelp(help, command);
    },
  );

  it('shows the shared flags as the kit declares them', async () => {
    const [, io] = await run(['register', '--help']);
    const help = io.stdout.join('\n').split('\n');
    expect(help).toContain('  --subtensor.network <NAME|URL>  the chain: finney, test, local or');
    expect(help).toContain(
      '                                  --subtensor.chain_endpoint, --network)',
    );
    expect(help).toContain(
      '  --wallet.name <NAME>            the wallet (coldkey) name (default: default)',
    );
  });
});

describe('pnpm chain: usage errors exit 2 with the fix', () => {
  it.each([
    [
      ['metagraph'],
      'pnpm chain metagraph: --netuid N is required (the subnet id) [USAGE]\n  fix: add --netuid N, e.g. --netuid 2 for the devnet (`pnpm devnet` prints its netuid)',
    ],
    [
      ['weights', 'policy', '--netuid', 'two'],
      'pnpm chain weights policy: --netuid "two" is not a subnet id [USAGE]\n  fix: give a whole number from 0 to 65535, e.g. --netuid 2',
    ],
    [
      ['metagraph', '--netuid', '70000'],
      'pnpm chain metagraph: --netuid "70000" is not a subnet id [USAGE]\n  fix: give a whole number from 0 to 65535, e.g. --netuid 2',
    ],
    [
      ['metagraph', '--netuid', '2', '--subtensor.network', 'mainnet'],
      'pnpm chain metagraph: --subtensor.network "mainnet" is not a network [USAGE]\n  fix: use finney, test, archive, local or a ws(s)://host:port URL',
    ],
    [
      ['register', '--netuid', '2', '--wallet.nmae', 'x'],
      'pnpm chain register: unknown option --wallet.nmae (did you mean --wallet.name?) [USAGE]\n  fix: run `pnpm chain register --help` for its options',
    ],
    [
      ['metagraph', '--netuid'],
      'pnpm chain metagraph: --netuid needs a value [USAGE]\n  fix: run `pnpm chain metagraph --help` for its options',
    ],
    [
      ['register', '--netuid', '2', '--password-env', 'NO_SUCH_VAR'],
      'pnpm chain register: --password-env NO_SUCH_VAR: that environment variable is not set [USAGE]\n  fix: export NO_SUCH_VAR=<password> before running the command, or leave --password-env out for an unencrypted key',
    ],
    [
      ['wallet', 'list', 'extra'],
      'pnpm chain wallet list: takes no arguments (got "extra") [USAGE]\n  fix: run `pnpm chain wallet list --help` for its usage',
    ],
  ])('%j', async (argv, stderr) => {
    const [code, io] = await run(argv);
    expect(io.stderr).toEqual([stderr]);
    expect(io.stdout).toEqual([]);
    expect(code).toBe(2);
  });

  it('answers a mistyped command with the closest one', async () => {
    const [code, io] = await run(['wallet', 'lst']);
    expect(code).toBe(2);
    expect(io.stderr[0]?.split('\n')[0]).toBe(
      'pnpm chain: unknown command "wallet lst" (did you mean "wallet list"?)',
    );
    const [code2, io2] = await run(['metagrap', '--netuid', '2']);
    expect(code2).toBe(2);
    expect(io2.stderr[0]?.split('\n')[0]).toBe(
      'pnpm chain: unknown command "metagrap" (did you mean "metagraph"?)',
    );
  });

  it('refuses --password-env with --hotkey-only (no coldkey to encrypt)', async () => {
    const [code, io] = await run(
      ['wallet', 'create', '--wallet.path', 'w', '--hotkey-only', '--password-env', 'PW'],
      { PW: 'secret' },
    );
    expect(code).toBe(2);
    expect(io.stderr).toEqual([
      'pnpm chain wallet create: --password-env encrypts a new coldkey, and --hotkey-only makes none [USAGE]\n  fix: leave out --password-env (hotkeys are unencrypted, as btcli makes them)',
    ]);
  });
});

describe('pnpm chain wallet create and list', () => {
  const wallets = join(tmp, 'wallets');

  it('creates a wallet under --wallet.path taken from where the command runs', async () => {
    const [code, io] = await run([
      'wallet',
      'create',
      '--wallet.name',
      'w1',
      '--wallet.hotkey',
      'h1',
      '--wallet.path',
      'wallets',
    ]);
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    expect(io.stdout).toHaveLength(5);
    expect(io.stdout[0]).toMatch(/^coldkey 5\w{47} \(unencrypted\)$/);
    expect(io.stdout[1]).toMatch(/^ {2}mnemonic: (\w+ ){11}\w+$/);
    expect(io.stdout[2]).toMatch(/^hotkey h1 5\w{47}$/);
    expect(io.stdout[4]).toBe('Write the mnemonics down now: they are not shown again.');
    for (const f of ['w1/coldkey', 'w1/coldkeypub.txt', 'w1/hotkeys/h1', 'w1/hotkeys/h1pub.txt'])
      expect(existsSync(join(wallets, f))).toBe(true);
    expect(statSync(join(wallets, 'w1/hotkeys/h1')).mode & 0o777).toBe(0o600);
  });

  it('refuses to make a coldkey twice, and says how to add a hotkey instead', async () => {
    const [code, io] = await run([
      'wallet',
      'create',
      '--wallet.name',
      'w1',
      '--wallet.hotkey',
      'h2',
      '--wallet.path',
      'wallets',
    ]);
    expect(code).toBe(1);
    expect(io.stderr).toEqual([
      `pnpm chain wallet create: wallet "w1" has a coldkey already (${wallets}/w1/coldkey) [CHAIN_KEYFILE_EXISTS]\n  fix: add a hotkey to it: \`pnpm chain wallet create --wallet.name w1 --wallet.hotkey h2 --wallet.path ${wallets} --hotkey-only\``,
    ]);
    expect(existsSync(join(wallets, 'w1/hotkeys/h2'))).toBe(false);
  });

  it('adds a hotkey with --hotkey-only, and refuses one that exists', async () => {
    const argv = ['wallet', 'create', '--wallet.name', 'w1', '--wallet.hotkey', 'h2'];
    const [code, io] = await run([...argv, '--wallet.path', 'wallets', '--hotkey-only']);
    expect(code).toBe(0);
    expect(io.stdout[0]).toMatch(/^hotkey h2 5\w{47}$/);
    const [again, io2] = await run([...argv, '--wallet.path', 'wallets', '--hotkey-only']);
    expect(again).toBe(1);
    expect(io2.stderr).toEqual([
      `pnpm chain wallet create: wallet "w1" has a hotkey "h2" already (${wallets}/w1/hotkeys/h2) [CHAIN_KEYFILE_EXISTS]\n  fix: choose another name with --wallet.hotkey`,
    ]);
    const [none, io3] = await run([
      'wallet',
      'create',
      '--wallet.name',
      'w9',
      '--wallet.path',
      'wallets',
      '--hotkey-only',
    ]);
    expect(none).toBe(1);
    expect(io3.stderr).toEqual([
      `pnpm chain wallet create: wallet "w9" has no coldkey (${wallets}/w9/coldkey) [CHAIN_KEYFILE_NOT_FOUND]\n  fix: create both keys: \`pnpm chain wallet create --wallet.name w9 --wallet.hotkey default --wallet.path ${wallets}\``,
    ]);
  });

  it('lists the wallets (BT_WALLET_PATH when no --wallet.path), as text and JSON', async () => {
    const [code, io] = await run(['wallet', 'list', '--json'], { BT_WALLET_PATH: wallets });
    expect(code).toBe(0);
    const listed = JSON.parse(io.stdout[0] ?? '') as {
      path: string;
      wallets: { name: string; coldkey: string; hotkeys: { name: string; address: string }[] }[];
    };
    expect(listed.path).toBe(wallets);
    expect(listed.wallets.map((w) => [w.name, w.hotkeys.map((h) => h.name)])).toEqual([
      ['w1', ['h1', 'h2']],
    ]);
    const [, text] = await run(['wallet', 'list', '--wallet.path', 'wallets']);
    expect(text.stdout).toEqual([
      `w1  coldkey ${listed.wallets[0]?.coldkey}`,
      `  h1               ${listed.wallets[0]?.hotkeys[0]?.address}`,
      `  h2               ${listed.wallets[0]?.hotkeys[1]?.address}`,
    ]);
    const [, empty] = await run(['wallet', 'list', '--wallet.path', 'nowhere']);
    expect(empty.stdout).toEqual([`no wallets under ${join(tmp, 'nowhere')}`]);
  });
});

describe('pnpm chain register: what fails before and at the chain (exit 1)', () => {
  const wallets = join(tmp, 'wallets');
  const base = ['register', '--netuid', '2', '--wallet.path', 'wallets'];

  it('a missing wallet: which file, and the command that creates it', async () => {
    const [code, io] = await run([...base, '--wallet.name', 'nobody']);
    expect(code).toBe(1);
    expect(io.stderr).toEqual([
      `pnpm chain register: no hotkey file at ${wallets}/nobody/hotkeys/default (wallet "nobody", hotkey "default") [CHAIN_KEYFILE_NOT_FOUND]\n  fix: create it: \`pnpm chain wallet create --wallet.name nobody --wallet.hotkey default --wallet.path ${wallets}\`\n  cause: no key file at ${wallets}/nobody/hotkeys/default`,
    ]);
    const [, hotkey] = await run([...base, '--wallet.name', 'w1', '--wallet.hotkey', 'h3']);
    expect(hotkey.stderr[0]?.split('\n').slice(0, 2)).toEqual([
      `pnpm chain register: no hotkey file at ${wallets}/w1/hotkeys/h3 (wallet "w1", hotkey "h3") [CHAIN_KEYFILE_NOT_FOUND]`,
      `  fix: create it: \`pnpm chain wallet create --wallet.name w1 --wallet.hotkey h3 --wallet.path ${wallets} --hotkey-only\``,
    ]);
  });

  it('a hotkey file others can read: the chmod that fixes it', async () => {
    const file = join(wallets, 'w1/hotkeys/h1');
    chmodSync(file, 0o644);
    try {
      const [code, io] = await run([...base, '--wallet.name', 'w1', '--wallet.hotkey', 'h1']);
      expect(code).toBe(1);
      expect(io.stderr[0]?.split('\n').slice(0, 2)).toEqual([
        `pnpm chain register: ${file} is readable or writable by others (mode 644) [CHAIN_KEYFILE_INSECURE]`,
        `  fix: chmod 600 ${file}`,
      ]);
    } finally {
      chmodSync(file, 0o600);
    }
  });

  it('an unreachable chain: the URL and how to check it', async () => {
    const [code, io] = await run([
      ...base,
      '--wallet.name',
      'w1',
      '--wallet.hotkey',
      'h1',
      '--network',
      'ws://127.0.0.1:1',
    ]);
    expect(code).toBe(1);
    expect(io.stderr).toEqual([
      'pnpm chain register: the chain is unreachable at ws://127.0.0.1:1 (no connection within 1 s) [CHAIN_UNREACHABLE]\n  fix: is a devnet running there? `pnpm devnet` starts one on ws://127.0.0.1:9944 (`--port N` for another port); or pass the right --subtensor.network\n  cause: no connection to ws://127.0.0.1:1 within 1000 ms',
    ]);
  });

  it('an unreachable remote chain: check the URL and the network', async () => {
    const [code, io] = await run([
      'weights',
      'policy',
      '--netuid',
      '2',
      '--subtensor.chain_endpoint',
      'ws://192.0.2.1:9944',
    ]);
    expect(code).toBe(1);
    expect(io.stderr[0]?.split('\n').slice(0, 2)).toEqual([
      'pnpm chain weights policy: the chain is unreachable at ws://192.0.2.1:9944 (no connection within 1 s) [CHAIN_UNREACHABLE]',
      '  fix: check the URL and that this machine reaches it (DNS, firewall, the node is up); or choose another endpoint with --subtensor.network (finney, test, local or ws(s)://host:port)',
    ]);
  });

  it('an encrypted coldkey: without a password, and with a wrong one', async () => {
    cpSync(join(FIXTURES, 'sdk'), join(wallets, 'sdk'), { recursive: true });
    for (const f of ['coldkey', 'hotkeys/default']) chmodSync(join(wallets, 'sdk', f), 0o600);
    const argv = [...base, '--wallet.name', 'sdk'];
    const [code, io] = await run(argv);
    expect(code).toBe(1);
    expect(io.stderr[0]?.split('\n').slice(0, 2)).toEqual([
      `pnpm chain register: ${wallets}/sdk/coldkey is encrypted: a password is needed [CHAIN_KEYFILE_WRONG_PASSWORD]`,
      '  fix: put its password in an environment variable (`read -rs COLDKEY_PASSWORD && export COLDKEY_PASSWORD`), then add --password-env COLDKEY_PASSWORD',
    ]);
    // One Argon2i derivation (512 MiB): seconds.
    const [wrong, io2] = await run([...argv, '--password-env', 'PW'], { PW: 'not the password' });
    expect(wrong).toBe(1);
    expect(io2.stderr[0]?.split('\n').slice(0, 2)).toEqual([
      `pnpm chain register: ${wallets}/sdk/coldkey: wrong password for the NaCl-encrypted key [CHAIN_KEYFILE_WRONG_PASSWORD]`,
      '  fix: check the password in the variable --password-env names (the one the key was created with)',
    ]);
  }, 120_000);
});
