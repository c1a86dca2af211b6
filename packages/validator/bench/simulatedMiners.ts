/**
 * Many simulated miners in one process of their own, so that their CPU is not counted as the
 * validator's in the period bench:
 *
 *   node --import tsx packages/validator/bench/simulatedMiners.ts --count 256
 *        [--host 127.0.0.1] [--volume 4] [--model tiny-llm] [--exit-with-stdin]
 *
 * Miner i (1-based) signs with the sr25519 key of seed sha256(`bench-miner-<i>`). When every
 * server listens it prints one line on stdout, `{"ready":true,"miners":[{"port","hotkey"}...]}`,
 * in the order of i, and nothing else. SIGTERM (or stdin closing, with --exit-with-stdin) closes
 * the servers and exits.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { hotkeyFromSeed, SignatureVerifier, synapseRegistry } from '@subnet/protocol';
import { TASK_SYNAPSES } from '@subnet/protocol/tasks';
import { listenSimulatedMiner, type SimulatedMiner } from './simulatedMiner';

const HELP = `simulatedMiners --count <n> [options]

Simulated miners for the validator's period bench: Capacity and fixed Completion/Chat streams.

Options:
  --count <n>          miners to serve (1..1024)
  --host <addr>        interface to listen on (default 127.0.0.1)
  --volume <n>         Completion volume each offers (default 4)
  --model <id>         the model id offered (default tiny-llm)
  --exit-with-stdin    exit when stdin closes (so it dies with the process that spawned it)
`;

function usage(message: string): number {
  process.stderr.write(`simulatedMiners: ${message}\n\n${HELP}`);
  return 2;
}

/** The seed of simulated miner `i`. */
function minerSeed(i: number): Uint8Array {
  return createHash('sha256').update(`bench-miner-${i}`).digest();
}

async function main(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        count: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        volume: { type: 'string', default: '4' },
        model: { type: 'string', default: 'tiny-llm' },
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
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > 1024)
    return usage(`--count must be 1..1024, got '${values.count}'`);
  const volume = Number(values.volume);
  if (!Number.isFinite(volume) || volume < 0)
    return usage(`--volume must be a number >= 0, got '${values.volume}'`);

  const capacities = {
    Completion: { volume, models: [String(values.model)], loras: [] },
  };
  const verifier = new SignatureVerifier();
  const synapses = synapseRegistry(TASK_SYNAPSES);
  const miners: SimulatedMiner[] = [];
  for (let i = 1; i <= count; i++) {
    const hotkey = await hotkeyFromSeed(minerSeed(i));
    miners.push(
      await listenSimulatedMiner({
        hotkey,
        host: String(values.host),
        capacities,
        verifier,
        synapses,
      }),
    );
  }
  let closing = false;
  // Once the servers and stdin are closed nothing holds the process: it exits by itself.
  const close = () => {
    if (closing) return;
    closing = true;
    void Promise.all(miners.map((m) => m.close())).then(() => process.stdin.destroy());
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
  if (values['exit-with-stdin']) {
    process.stdin.on('end', close).on('close', close).resume();
  }
  process.stdout.write(
    `${JSON.stringify({
      ready: true,
      miners: miners.map((m) => ({ port: m.port, hotkey: m.hotkey.address })),
    })}\n`,
  );
  return 0;
}

const code = await main(process.argv.slice(2));
if (code !== 0) process.exitCode = code;
