/**
 * Our dendrite fanning out Capacity to many axons, in a process of its own (as the SDK's
 * python_fanout.py is), for the dendrite fan-out bench:
 *
 *   node --import tsx packages/miner/bench/fanoutClient.ts --hotkey <ss58> --ports <p1,p2,...>
 *
 * Prints {"ready":true}; then for each stdin line `round <n> <k>` it queries the first n ports
 * k times in a row (one `Dendrite.forward` each, all axons at once, hotkey alice) and prints
 * {"ms":<mean ms per fan-out>,"ok":<fewest answers with status 200 in one fan-out>}.
 * Exits when stdin closes.
 */
import { createInterface } from 'node:readline';
import { Dendrite } from '@subnet/protocol';
import { Capacity } from '@subnet/protocol/tasks';
import { devHotkey } from '@subnet/protocol/testing';
import { CALLER_KEY } from './benchFixtures';
import { usage as benchUsage, scriptArgs } from './scriptArgs';

const HELP = `fanoutClient --hotkey <ss58> --ports <p1,p2,...>

Our Dendrite querying many axons at once; commands on stdin: round <n> <k>.
`;

const SCRIPT = { name: 'fanoutClient', help: HELP };
const usage = (message: string) => benchUsage(SCRIPT, message);

async function main(argv: string[]): Promise<number> {
  const parsed = scriptArgs(SCRIPT, argv, {
    hotkey: { type: 'string' },
    ports: { type: 'string' },
  });
  if ('exit' in parsed) return parsed.exit;
  const { values } = parsed;
  const hotkey = String(values.hotkey ?? '');
  const ports = String(values.ports ?? '')
    .split(',')
    .map(Number);
  if (!hotkey) return usage('--hotkey is required');
  if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65_535))
    return usage('--ports must be a comma-separated list of ports');

  const dendrite = new Dendrite({ hotkey: await devHotkey(CALLER_KEY) });
  const targets = ports.map((port) => ({ ip: '127.0.0.1', port, hotkey }));
  const say = (v: unknown) => process.stdout.write(`${JSON.stringify(v)}\n`);
  say({ ready: true });
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, n, k] = line.trim().split(/\s+/);
    const count = Number(n);
    const times = Number(k);
    if (command !== 'round' || !(count >= 1) || !(times >= 1)) {
      say({ error: `unknown command '${line.trim()}'` });
      continue;
    }
    let total = 0;
    let fewest = count;
    for (let i = 0; i < times; i++) {
      const t0 = performance.now();
      const answers = await dendrite.forward(targets.slice(0, count), Capacity, {});
      total += performance.now() - t0;
      fewest = Math.min(fewest, answers.filter((a) => a.dendrite.status_code === 200).length);
    }
    say({ ms: total / times, ok: fewest });
  }
  await dendrite.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`fanoutClient: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
