import { describe, expect, it } from 'vitest';
import {
  CliError,
  type CommandSpec,
  type ProgramSpec,
  runProgram,
  WALLET_FLAGS,
} from '../src/index.js';
import { memoryIo } from '../src/testing/index.js';

const calls: unknown[] = [];
const program: ProgramSpec = {
  name: 'pnpm demo',
  summary:
    'A demonstration program whose summary is long enough that it has to be wrapped at a word boundary somewhere.',
  commands: [
    {
      name: 'start',
      summary:
        'start the thing, with a summary long enough to wrap in the second column of the command list',
      options: {
        netuid: { type: 'string', value: 'N', description: 'the subnet id' },
        ...WALLET_FLAGS,
        yes: { type: 'boolean', description: 'do not ask' },
      },
      run: (ctx) => {
        calls.push(ctx.values);
        return 0;
      },
    },
    {
      name: 'keys create',
      summary: 'create a key',
      args: '<name>',
      positionals: { min: 1, max: 1 },
      options: {},
      run: (ctx) => {
        calls.push(ctx.positionals);
        ctx.io.out(`created ${ctx.positionals[0]}`);
        return undefined;
      },
    },
    {
      name: 'keys list',
      summary: 'list keys',
      options: {},
      run: () => {
        throw new CliError('DEMO_NO_DB', 'no database at /x', { fix: 'run `demo init` first' });
      },
    },
    {
      name: 'crash',
      summary: 'an unexpected error',
      options: {},
      run: () => {
        throw new TypeError('boom');
      },
    } satisfies CommandSpec,
  ],
};

function lines(text: string[]): string[] {
  return text.join('\n').split('\n');
}

describe('runProgram', () => {
  it('lists every command, nested ones included, and wraps at words within 80 columns', async () => {
    const io = memoryIo();
    expect(await runProgram(program, ['--help'], io)).toBe(0);
    const out = lines(io.stdout);
    expect(out[0]).toBe('Usage: pnpm demo <command> [options]');
    expect(out.filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim().split(/\s{2,}/)[0])).toEqual([
      'start',
      'keys create <name>',
      'keys list',
      'crash',
    ]);
    for (const l of out) expect(l.length).toBeLessThanOrEqual(80);
    // Every word of the summaries survives whole.
    const text = out.join(' ');
    for (const w of program.commands[0]?.summary.split(' ') ?? []) expect(text).toContain(w);
    // The start summary goes on in its column (2 + 18 + 2), not under the command names.
    expect(out).toContain(
      '  start               start the thing, with a summary long enough to wrap in the',
    );
    expect(out).toContain('                      second column of the command list');
  });

  it("prints a command's options with their defaults, and parses dotted btcli flags", async () => {
    const io = memoryIo();
    expect(await runProgram(program, ['start', '--help'], io)).toBe(0);
    const out = lines(io.stdout);
    expect(out[0]).toBe('Usage: pnpm demo start [options]');
    expect(out).toContain('  --wallet.name <NAME>    the wallet (coldkey) name (default: default)');
    expect(out.at(-1)).toBe('  -h, --help              show this help');
    calls.length = 0;
    const run = memoryIo();
    expect(
      await runProgram(program, ['start', '--netuid', '3', '--wallet.name=alice', '--yes'], run),
    ).toBe(0);
    expect(calls).toEqual([{ netuid: '3', 'wallet.name': 'alice', yes: true }]);
  });

  it('answers a mistyped flag with exit 2, the closest flag and where to look', async () => {
    const io = memoryIo();
    expect(await runProgram(program, ['start', '--wallet.nmae', 'x'], io)).toBe(2);
    expect(io.stderr).toEqual([
      'pnpm demo start: unknown option --wallet.nmae (did you mean --wallet.name?) [USAGE]\n  fix: run `pnpm demo start --help` for its options',
    ]);
    const missing = memoryIo();
    expect(await runProgram(program, ['start', '--netuid'], missing)).toBe(2);
    expect(missing.stderr[0]).toMatch(/^pnpm demo start: --netuid needs a value \[USAGE\]/);
    const dash = memoryIo();
    expect(await runProgram(program, ['start', '--netuid', '-1'], dash)).toBe(2);
    expect(dash.stderr[0]?.split('\n')[0]).toBe(
      'pnpm demo start: --netuid needs a value (a value starting with "-" is written --netuid=-1) [USAGE]',
    );
  });

  it('refuses unknown commands and missing arguments with exit 2', async () => {
    const io = memoryIo();
    expect(await runProgram(program, ['strat'], io)).toBe(2);
    expect(io.stderr[0]?.split('\n')[0]).toBe(
      'pnpm demo: unknown command "strat" (did you mean "start"?)',
    );
    const twoWords = memoryIo();
    expect(await runProgram(program, ['kyes', 'list'], twoWords)).toBe(2);
    expect(twoWords.stderr[0]?.split('\n')[0]).toBe(
      'pnpm demo: unknown command "kyes list" (did you mean "keys list"?)',
    );
    const none = memoryIo();
    expect(await runProgram(program, [], none)).toBe(2);
    expect(none.stderr[0]?.split('\n')[0]).toBe('pnpm demo: name a command');
    const group = memoryIo();
    expect(await runProgram(program, ['keys'], group)).toBe(2);
    expect(lines(group.stderr).filter((l) => l.startsWith('  '))).toEqual([
      '  keys create <name>  create a key',
      '  keys list           list keys',
    ]);
    const args = memoryIo();
    expect(await runProgram(program, ['keys', 'create'], args)).toBe(2);
    expect(args.stderr[0]?.split('\n')[0]).toBe('pnpm demo keys create: needs <name> [USAGE]');
    const extra = memoryIo();
    expect(await runProgram(program, ['start', 'now'], extra)).toBe(2);
    expect(extra.stderr[0]?.split('\n')[0]).toBe(
      'pnpm demo start: takes no arguments (got "now") [USAGE]',
    );
  });

  it('runs nested commands and reports failures with code and fix (exit 1)', async () => {
    const io = memoryIo();
    expect(await runProgram(program, ['--', 'keys', 'create', 'k1'], io)).toBe(0);
    expect(io.stdout).toEqual(['created k1']);
    const fail = memoryIo();
    expect(await runProgram(program, ['keys', 'list'], fail)).toBe(1);
    expect(fail.stderr).toEqual([
      'pnpm demo keys list: no database at /x [DEMO_NO_DB]\n  fix: run `demo init` first',
    ]);
    const crash = memoryIo();
    expect(await runProgram(program, ['crash'], crash)).toBe(1);
    expect(lines(crash.stderr)[0]).toBe('pnpm demo crash: boom');
    expect(lines(crash.stderr)[1]).toMatch(/^\s+at /);
  });
});

describe('a program that is one command', () => {
  const devnet: ProgramSpec = {
    name: 'pnpm one',
    summary: 'one command',
    commands: [
      {
        name: '',
        summary: 'starts the one thing',
        options: { port: { type: 'string', value: 'N', description: 'port' } },
        run: (ctx) => {
          ctx.io.out(`port ${String(ctx.values.port)}`);
          return 0;
        },
      },
    ],
  };

  it('runs without a command word, shows its options as the help, and refuses stray words', async () => {
    const io = memoryIo();
    expect(await runProgram(devnet, ['--port', '9'], io)).toBe(0);
    expect(io.stdout).toEqual(['port 9']);
    const help = memoryIo();
    expect(await runProgram(devnet, ['-h'], help)).toBe(0);
    expect(lines(help.stdout)[0]).toBe('Usage: pnpm one [options]');
    expect(lines(help.stdout)).toContain('  --port <N>  port');
    const stray = memoryIo();
    expect(await runProgram(devnet, ['start'], stray)).toBe(2);
    expect(stray.stderr[0]?.split('\n')[0]).toBe(
      'pnpm one: takes no arguments (got "start") [USAGE]',
    );
  });
});
