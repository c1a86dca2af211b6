// `pnpm devnet` in-process: its help within 80 columns and every mistake in its flags or
// environment refused with exit 2 before anything starts. Starting it for real (and Ctrl-C):
// test/devnetCli.test.ts.
import { type AddressInfo, createServer } from 'node:net';
import { runProgram } from '@subnet/kit';
import { memoryIo } from '@subnet/kit/testing';
import { describe, expect, it } from 'vitest';
import { devnetProgram, parseBlockTime } from './devnetProgram.js';

const program = devnetProgram();

async function run(argv: string[], env: Record<string, string> = {}) {
  const io = memoryIo({ cwd: '/work/here', env });
  return { code: await runProgram(program, argv, io), io };
}

const normalize = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('pnpm devnet --help', () => {
  it('is the one command, every option and text whole within 80 columns', async () => {
    const { code, io } = await run(['--help']);
    expect(code).toBe(0);
    const help = io.stdout.join('\n');
    const lines = help.split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines.slice(0, 3)).toEqual([
      'Usage: pnpm devnet [options]',
      '',
      'A local subtensor chain with a subnet ready for a miner and a validator.',
    ]);
    const command = program.commands[0];
    expect(command?.name).toBe('');
    const flat = normalize(help);
    for (const paragraph of command?.description?.split('\n\n') ?? [])
      expect(flat).toContain(normalize(paragraph));
    for (const [name, spec] of Object.entries(command?.options ?? {})) {
      expect(flat).toContain(`--${name}`);
      expect(flat).toContain(normalize(spec.description));
    }
    expect(lines).toContain(
      '  --port <N>                the port to listen on (0: any free port) (default:',
    );
    expect(lines).toContain('  pnpm devnet --port 0 --json');
  });
});

describe('pnpm devnet: mistakes exit 2 before anything starts', () => {
  it.each([
    [
      ['--runtime', 'spec300'],
      {},
      'pnpm devnet: --runtime "spec300" is not a devnet runtime [USAGE]\n  fix: use one of spec218, spec293',
    ],
    [
      ['--manual', '--block-time', '2s'],
      {},
      'pnpm devnet: --manual and --block-time exclude each other [USAGE]\n  fix: give one of them (neither: a block per extrinsic)',
    ],
    [
      ['--block-time', 'soon'],
      {},
      'pnpm devnet: --block-time "soon" is not a duration [USAGE]\n  fix: write it as 12s, 3000ms or 2.5 (seconds)',
    ],
    [
      ['--port', '99999'],
      {},
      'pnpm devnet: --port "99999" is not a whole number from 0 to 65535 [USAGE]\n  fix: e.g. --port 9944',
    ],
    [
      ['--tempo=-1'],
      {},
      'pnpm devnet: --tempo "-1" is not a whole number from 0 to 65535 [USAGE]\n  fix: e.g. --tempo 10',
    ],
    [
      ['--wallet.path', 'wallets'],
      {},
      'pnpm devnet: --wallet.path is where --write-wallets writes the dev wallets [USAGE]\n  fix: add --write-wallets, or leave out --wallet.path',
    ],
    [
      ['--chain-spec', 'nope.json'],
      {},
      'pnpm devnet: --chain-spec: no file at /work/here/nope.json [CHAIN_SPEC_UNAVAILABLE]\n  fix: give the path of a subtensor chain spec (raw or plain JSON), or leave it out',
    ],
    [
      [],
      { CHOPSTICKS_LOG_LEVEL: 'loud' },
      'pnpm devnet: CHOPSTICKS_LOG_LEVEL "loud" is not a level [USAGE]\n  fix: use one of trace, debug, info, warn, error, or unset it',
    ],
    [
      ['--write-wallet'],
      {},
      'pnpm devnet: unknown option --write-wallet (did you mean --write-wallets?) [USAGE]\n  fix: run `pnpm devnet --help` for its options',
    ],
    [
      ['start'],
      {},
      'pnpm devnet: takes no arguments (got "start") [USAGE]\n  fix: run `pnpm devnet --help` for its usage',
    ],
  ])('%j %j', async (argv, env, stderr) => {
    const { code, io } = await run(argv, env);
    expect(io.stderr).toEqual([stderr]);
    expect(io.stdout).toEqual([]);
    expect(code).toBe(2);
  });
});

describe('pnpm devnet on a port that is taken', () => {
  it('exits 1 and says so, instead of listening on another port', async () => {
    const server = createServer();
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
    );
    try {
      const { code, io } = await run(['--port', String(port)]);
      expect(io.stderr).toEqual([
        `pnpm devnet: 127.0.0.1:${port} is taken [DEVNET_PORT_IN_USE]\n  fix: is a devnet running there already? stop it (\`ss -ltnp 'sport = :${port}'\` shows what listens), or pass --port 0 for any free port`,
      ]);
      expect(io.stdout).toEqual([]);
      expect(code).toBe(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('parseBlockTime', () => {
  it('reads seconds, milliseconds and plain seconds', () => {
    expect(parseBlockTime('12s')).toBe(12_000);
    expect(parseBlockTime('3000ms')).toBe(3_000);
    expect(parseBlockTime('2.5')).toBe(2_500);
    expect(parseBlockTime(' 0.1 ')).toBe(100);
    expect(() => parseBlockTime('50ms')).toThrow('--block-time "50ms" is too short');
    expect(() => parseBlockTime('1m')).toThrow('--block-time "1m" is not a duration');
  });
});
