/**
 * Many cheap axons in one process of their own, for the dendrite fan-out bench: one node:http
 * listener per port on 127.0.0.1, each answering every POST at once with the same valid Capacity
 * answer (status 200, the SDK's headers, signed once at start by ferdie). They do not verify:
 * the bench measures the dendrites, not the axons.
 *
 *   node --import tsx packages/miner/bench/cheapAxons.ts --count <n> [--exit-with-stdin]
 *
 * When every listener listens it prints one line, {"ready":true,"ports":[...],"hotkey":"<ss58>"}.
 * SIGTERM (or stdin closing, with --exit-with-stdin) exits.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { buildResponse, createSynapse, type Synapse } from '@subnet/protocol';
import { Capacity } from '@subnet/protocol/tasks';
import { devHotkey } from '@subnet/protocol/testing';
import { AXON_KEY, BENCH_CAPACITY, CALLER_KEY } from './benchFixtures';
import { usage as benchUsage, scriptArgs } from './scriptArgs';

const HELP = `cheapAxons --count <n> [--exit-with-stdin]

n loopback HTTP listeners answering Capacity with a fixed valid answer (no verification).
`;

const SCRIPT = { name: 'cheapAxons', help: HELP };
const usage = (message: string) => benchUsage(SCRIPT, message);

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

async function main(argv: string[]): Promise<number> {
  const parsed = scriptArgs(SCRIPT, argv, {
    count: { type: 'string' },
    'exit-with-stdin': { type: 'boolean', default: false },
  });
  if ('exit' in parsed) return parsed.exit;
  const { values } = parsed;
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > 4096)
    return usage(`--count must be 1..4096, got '${values.count}'`);

  const hotkey = await devHotkey(AXON_KEY);
  const caller = await devHotkey(CALLER_KEY);
  const synapse = createSynapse(Capacity, {
    capacities: { TextToImage: BENCH_CAPACITY },
  }) as unknown as Synapse;
  synapse.dendrite = { ip: '127.0.0.1', hotkey: caller.address };
  synapse.axon = { ip: '127.0.0.1', hotkey: hotkey.address };
  const answer = buildResponse({ hotkey, uuid: randomUUID() }, Capacity, synapse, {
    startedAtMs: performance.now(),
  });

  const servers = Array.from({ length: count }, () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      });
    });
    // Both dendrites keep their connections between rounds: a warm fan-out reuses them.
    server.keepAliveTimeout = 120_000;
    return server;
  });
  const ports = await Promise.all(servers.map(listen));
  process.on('SIGTERM', () => process.exit(0));
  if (values['exit-with-stdin']) {
    process.stdin.on('close', () => process.exit(0));
    process.stdin.resume();
  }
  process.stdout.write(`${JSON.stringify({ ready: true, ports, hotkey: hotkey.address })}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`cheapAxons: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
