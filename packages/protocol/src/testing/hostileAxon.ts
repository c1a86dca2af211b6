/**
 * A hostile axon as a process of its own, for tests that need a misbehaving miner on the wire:
 *
 *   node --import tsx packages/protocol/src/testing/hostileAxon.ts --mode <mode>
 *        [--host 127.0.0.1] [--port 0] [--capacity <json>] [--hotkey bob] [--exit-with-stdin]
 *
 * When listening it prints one line on stdout, `{"ready":true,"port":N}`, and nothing else.
 * `startHostileAxon()` spawns it and stops it; the modes are listed in `hostileModes.ts`.
 */
import { parseArgs } from 'node:util';
import { DEV_KEY_NAMES, type DevKeyName, devHotkey } from './devKeys';
import { DEFAULT_HOSTILE_CAPACITY, HOSTILE_MODES, isHostileMode } from './hostileModes';
import { listenHostileServer } from './hostileServer';

const HELP = `hostileAxon --mode <mode> [options]

A misbehaving axon for tests. Answers Capacity from --capacity; misbehaves on every other path.

Options:
  --mode <mode>        one of: ${HOSTILE_MODES.join(', ')}
  --host <addr>        interface to listen on (default 127.0.0.1)
  --port <n>           port (default 0: any free port)
  --capacity <json>    capacities record answered to Capacity
                       (default ${JSON.stringify(DEFAULT_HOSTILE_CAPACITY)})
  --hotkey <name>      dev key that signs answers: ${DEV_KEY_NAMES.join(', ')} (default bob)
  --exit-with-stdin    exit when stdin closes (so it dies with the process that spawned it)
`;

function usage(message: string): number {
  process.stderr.write(`hostileAxon: ${message}\n\n${HELP}`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        mode: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '0' },
        capacity: { type: 'string' },
        hotkey: { type: 'string', default: 'bob' },
        'exit-with-stdin': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    return usage((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const mode = String(values.mode ?? '');
  if (!isHostileMode(mode)) return usage(`--mode must be one of the modes below, got '${mode}'`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    return usage(`--port must be 0..65535, got '${values.port}'`);
  const hotkeyName = String(values.hotkey);
  if (!(DEV_KEY_NAMES as readonly string[]).includes(hotkeyName))
    return usage(`--hotkey must be a dev key name, got '${hotkeyName}'`);
  let capacity: Record<string, unknown> = { ...DEFAULT_HOSTILE_CAPACITY };
  if (typeof values.capacity === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values.capacity);
    } catch {
      return usage('--capacity must be JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      return usage('--capacity must be a JSON object (task kind -> capacity)');
    capacity = parsed as Record<string, unknown>;
  }

  const server = await listenHostileServer({
    mode,
    host: String(values.host),
    port,
    capacity,
    hotkey: await devHotkey(hotkeyName as DevKeyName),
  });
  if (values['exit-with-stdin']) {
    process.stdin.on('close', () => process.exit(0));
    process.stdin.resume();
  }
  process.stdout.write(`${JSON.stringify({ ready: true, port: server.port })}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`hostileAxon: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
