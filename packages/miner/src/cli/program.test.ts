/**
 * `pnpm miner` in process, through the kit's `runProgram` with an io in memory: every command's
 * help at 80 columns, and the mistakes that are caught before anything starts (missing or wrong
 * settings, unknown flags), each with its exit code and its exact first line.
 */
import { runProgram } from '@subnet/kit';
import { memoryIo } from '@subnet/kit/testing';
import { describe, expect, it } from 'vitest';
import { minerProgram } from './program';

const words = (text: string) => text.split(/\s+/).filter(Boolean).join(' ');

async function run(args: string[], env: Record<string, string> = {}) {
  const io = memoryIo({ env, cwd: '/ops/miner', home: '/home/op' });
  const code = await runProgram(minerProgram, args, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('pnpm miner --help', () => {
  it('lists every command, within 80 columns', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toBe('Usage: pnpm miner <command> [options]');
    for (const name of [
      'start',
      'register',
      'status',
      'doctor',
      'models list',
      'models pull <id...>',
      'models verify [id...]',
      'models providers',
      'models generate <id> <prompt...>',
      'models export <kind>',
    ]) {
      expect(out).toMatch(new RegExp(`^  ${name.replace(/[.[\]]/g, '\\$&')}(  |$)`, 'm'));
    }
    for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    for (const c of minerProgram.commands) expect(words(out)).toContain(words(c.summary));
  });

  for (const command of minerProgram.commands) {
    it(`${command.name} --help: every summary, description and option whole, within 80 columns`, async () => {
      const { code, out, err } = await run([...command.name.split(' '), '--help']);
      expect({ code, err }).toEqual({ code: 0, err: '' });
      expect(out.split('\n')[0]).toBe(
        `Usage: ${['pnpm miner', command.name, command.args].filter(Boolean).join(' ')} [options]`,
      );
      for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
      // Wrapping only ever breaks at spaces: each text reads whole once whitespace is collapsed.
      const flat = words(out);
      expect(flat).toContain(words(command.summary));
      for (const paragraph of (command.description ?? '').split('\n'))
        expect(flat).toContain(words(paragraph));
      for (const [name, spec] of Object.entries(command.options)) {
        expect(flat).toContain(`--${name}`);
        expect(flat).toContain(words(spec.description));
      }
    });
  }
});

describe('pnpm miner start: mistakes caught before anything starts', () => {
  it('a missing --netuid names the flag and the variable (exit 2)', async () => {
    const r = await run(['start']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toEqual([
      'pnpm miner start: --netuid (or SUBNET_MINER_NETUID) is required [MINER_CONFIG_INVALID]',
      '  fix: set it with the flag, the environment variable or the key in the --config file (--help lists the flags, docs/miner.md the file)',
    ]);
  });

  it('a bad value names the flag, the variable and what was given (exit 2)', async () => {
    const r = await run(['start', '--netuid', '1', '--axon.port', 'abc']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe(
      'pnpm miner start: --axon.port (or SUBNET_MINER_AXON__PORT) must be a number (got "abc") [MINER_CONFIG_INVALID]',
    );
    const env = await run(['start'], {
      SUBNET_MINER_NETUID: '1',
      SUBNET_MINER_AXON__PORT: '99999',
    });
    expect(env.code).toBe(2);
    expect(env.err.split('\n')[0]).toBe(
      'pnpm miner start: --axon.port (or SUBNET_MINER_AXON__PORT) must be at most 65535 [MINER_CONFIG_INVALID]',
    );
  });

  it('several mistakes are listed together', async () => {
    const r = await run(['status', '--netuid=-3', '--axon.port', '70000']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n').slice(0, 3)).toEqual([
      'pnpm miner status: the configuration has 2 problems:',
      '  --netuid (or SUBNET_MINER_NETUID) must be at least 0',
      '  --axon.port (or SUBNET_MINER_AXON__PORT) must be at most 65535 [MINER_CONFIG_INVALID]',
    ]);
  });

  it('an unknown flag is refused with a guess (exit 2)', async () => {
    const r = await run(['start', '--netuid', '1', '--axon.prot', '9000']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toEqual([
      'pnpm miner start: unknown option --axon.prot (did you mean --axon.port?) [USAGE]',
      '  fix: run `pnpm miner start --help` for its options',
    ]);
  });

  it('an unknown network, log level or password variable (exit 2)', async () => {
    const network = await run(['register', '--netuid', '1', '--network', 'mainnet']);
    expect(network.code).toBe(2);
    expect(network.err.split('\n')).toEqual([
      'pnpm miner register: --subtensor.network (or SUBNET_MINER_SUBTENSOR__NETWORK) "mainnet" is not a network [MINER_CONFIG_INVALID]',
      '  fix: use finney, test, archive, local or a ws:// or wss:// URL',
    ]);
    const level = await run(['start', '--netuid', '1', '--logging.level', 'loud']);
    expect(level.code).toBe(2);
    expect(level.err.split('\n')[0]).toBe(
      'pnpm miner start: --logging.level "loud" is not a level [USAGE]',
    );
    const password = await run(['start', '--netuid', '1', '--password-env', 'MINER_PW']);
    expect(password.code).toBe(2);
    expect(password.err.split('\n')[0]).toBe(
      'pnpm miner start: --password-env MINER_PW: that environment variable is not set [USAGE]',
    );
  });

  it('a --config file that is not there is named with the folder it was looked for in', async () => {
    const r = await run(['doctor', '--netuid', '1', '--config', 'miner.yaml']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe(
      "pnpm miner doctor: cannot read the config file /ops/miner/miner.yaml: ENOENT: no such file or directory, open '/ops/miner/miner.yaml' [MINER_CONFIG_INVALID]",
    );
  });
});
