// `pnpm validator` in-process: every command listed and its help within 80 columns with no word
// split; the first line and exit code of each usage and configuration mistake.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from '@subnet/kit';
import { memoryIo } from '@subnet/kit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { DAEMON_FLAGS } from './flags';
import { validatorProgram } from './validatorProgram';

const COMMANDS = ['start', 'doctor', 'keys create', 'keys list', 'keys revoke'];
const dir = mkdtempSync(join(tmpdir(), 'validator-program-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], env: Record<string, string> = {}) {
  const io = memoryIo({ env, cwd: dir, home: join(dir, 'home') });
  const code = await runProgram(validatorProgram, argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

/** Every line within 80 columns, and every word of `texts` whole in the help. */
function expectWrapped(help: string, texts: readonly string[]): void {
  const lines = help.split('\n');
  for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
  const words = new Set(lines.join(' ').split(/\s+/));
  for (const text of texts) {
    for (const word of text.split(/\s+/).filter(Boolean)) expect(words, word).toContain(word);
  }
}

describe('pnpm validator --help', () => {
  it('lists every command', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe('Usage: pnpm validator <command> [options]');
    expect(lines.filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim().split(/\s{2,}/)[0])).toEqual([
      'start',
      'doctor',
      'keys create',
      'keys list',
      'keys revoke <id>',
    ]);
    expectWrapped(
      out,
      validatorProgram.commands.map((c) => c.summary),
    );
  });

  it('lists the keys commands for `keys --help`', async () => {
    const { code, out } = await run(['keys', '--help']);
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toBe('Usage: pnpm validator keys <command> [options]');
    expect(out).toContain('keys revoke <id>');
    expect(out).not.toContain('doctor');
  });

  it.each(COMMANDS)(
    '%s --help: every flag described within 80 columns, no word split',
    async (name) => {
      const command = validatorProgram.commands.find((c) => c.name === name);
      const { code, out } = await run([...name.split(' '), '--help']);
      expect(code).toBe(0);
      expect(out.split('\n')[0]).toBe(
        `Usage: pnpm validator ${name}${command?.args ? ` ${command.args}` : ''} [options]`,
      );
      const options = Object.entries(command?.options ?? {});
      for (const [flag] of options) expect(out).toContain(`--${flag}`);
      expectWrapped(out, [
        command?.summary ?? '',
        command?.description ?? '',
        ...options.map(([, spec]) => spec.description),
      ]);
    },
  );

  it('keeps every flag start had', () => {
    expect(Object.keys(DAEMON_FLAGS).sort()).toEqual(
      [
        'netuid',
        'subtensor.network',
        'wallet.name',
        'wallet.hotkey',
        'wallet.path',
        'password-env',
        'database-url',
        'data-dir',
        'api.enabled',
        'api.host',
        'api.port',
        'api.text_models',
        'api.image_models',
        'period.blocks',
        'metagraph.every_blocks',
        'weights.version_key',
        'checking.check_share',
        'checking.head_to_head_share',
        'checking.block_ms',
        'checking.llm_sample_match',
        'work.concurrency',
        'work.per_miner_concurrency',
        'work.max_queries',
        'work.stale_periods',
        'config',
        'logging.level',
        'logging.debug',
        'logging.trace',
      ].sort(),
    );
  });
});

describe('mistakes: exit code and first line', () => {
  const cases: Array<[string, string[], Record<string, string>, number, string]> = [
    [
      'a missing --netuid',
      ['start'],
      {},
      2,
      'pnpm validator start: --netuid (or SUBNET_VALIDATOR_NETUID) is required [VALIDATOR_CONFIG_INVALID]',
    ],
    [
      'a --netuid that is not a number',
      ['doctor', '--netuid', 'abc'],
      {},
      2,
      'pnpm validator doctor: --netuid (or SUBNET_VALIDATOR_NETUID) must be a number (got "abc") [VALIDATOR_CONFIG_INVALID]',
    ],
    [
      'a port out of range, from the environment',
      ['start', '--netuid', '1'],
      { SUBNET_VALIDATOR_API__PORT: '70000' },
      2,
      'pnpm validator start: --api.port (or SUBNET_VALIDATOR_API__PORT) must be at most 65535 [VALIDATOR_CONFIG_INVALID]',
    ],
    [
      'a switch that is not one',
      ['start', '--netuid', '1', '--api.enabled', 'yes'],
      {},
      2,
      'pnpm validator start: --api.enabled (or SUBNET_VALIDATOR_API__ENABLED) must be a boolean (got "yes") [VALIDATOR_CONFIG_INVALID]',
    ],
    [
      'a database URL of another engine',
      ['keys', 'list', '--database-url', 'mysql://db'],
      {},
      2,
      'pnpm validator keys list: --database-url (or SUBNET_VALIDATOR_DATABASE_URL) must start with postgres:// or postgresql:// [VALIDATOR_CONFIG_INVALID]',
    ],
    [
      'an unknown flag',
      ['start', '--netuid', '1', '--wallet.nme', 'v'],
      {},
      2,
      'pnpm validator start: unknown option --wallet.nme (did you mean --wallet.name?) [USAGE]',
    ],
    [
      'an unknown log level',
      ['start', '--netuid', '1', '--logging.level', 'loud'],
      {},
      2,
      'pnpm validator start: --logging.level "loud" is not a level [USAGE]',
    ],
    [
      'a password variable that is not set',
      ['start', '--netuid', '1', '--password-env', 'NO_SUCH_VAR'],
      {},
      2,
      'pnpm validator start: --password-env NO_SUCH_VAR: that environment variable is not set [USAGE]',
    ],
    [
      'an unknown command',
      ['strat'],
      {},
      2,
      'pnpm validator: unknown command "strat" (did you mean "start"?)',
    ],
    [
      'keys create without --name',
      ['keys', 'create'],
      {},
      2,
      'pnpm validator keys create: --name is required (who the key is for) [USAGE]',
    ],
    [
      'a rate limit that is not a whole number',
      ['keys', 'create', '--name', 'x', '--rate-limit', '1.5'],
      {},
      2,
      'pnpm validator keys create: --rate-limit must be a whole number of requests per minute (got "1.5") [USAGE]',
    ],
    [
      'keys revoke without the id',
      ['keys', 'revoke'],
      {},
      2,
      'pnpm validator keys revoke: needs <id> [USAGE]',
    ],
  ];
  it.each(cases)('%s', async (_what, argv, env, exitCode, first) => {
    const { code, err, out } = await run(argv, env);
    expect(out).toBe('');
    expect(err.split('\n')[0]).toBe(first);
    expect(code).toBe(exitCode);
  });

  it('names every wrong setting, one per line, with the fix', async () => {
    const { code, err } = await run(['start', '--netuid=-1', '--checking.check_share', '2']);
    expect(code).toBe(2);
    expect(err.split('\n')).toEqual([
      'pnpm validator start: 2 settings are wrong:',
      '  --netuid (or SUBNET_VALIDATOR_NETUID) must be at least 0',
      '  --checking.check_share (or SUBNET_VALIDATOR_CHECKING__CHECK_SHARE) must be at most 1 [VALIDATOR_CONFIG_INVALID]',
      '  fix: set each by flag, environment variable or in the --config file (--help lists the flags)',
    ]);
  });
});
