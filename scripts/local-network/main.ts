/**
 * `pnpm start:local [--runtime spec293|spec218]`: starts the local network, prints where to look,
 * and runs until Ctrl-C. Daemon logs go to stderr (LOG_LEVEL, default warn); the summary goes to
 * stdout.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_DEVNET_RUNTIME, DEVNET_RUNTIMES, type DevnetRuntime } from '@subnet/chain/devnet';
import pino from 'pino';
import { type LocalNetwork, startLocalNetwork } from './startLocal';

const HELP = `pnpm start:local [--runtime <name>]

Starts the local network: a devnet, two miners and a validator on this machine (Ctrl-C stops).

Options:
  --runtime <name>  the devnet's subtensor runtime: ${DEVNET_RUNTIMES.join(' or ')} (default
                    ${DEFAULT_DEVNET_RUNTIME}); see pnpm devnet --help
  -h, --help        this help
`;

function summary(net: LocalNetwork): string {
  const { apiUrl } = net.validator;
  return [
    'Local subnet running.',
    `  chain      ${net.endpoint}  (netuid ${net.netuid}, spec ${net.devnet.specVersion})`,
    ...net.miners.map(
      (m) =>
        `  miner      ${m.name.padEnd(8)} uid ${m.uid}  axon ${m.axon.ip}:${m.axon.port}${m.down ? '  (down)' : ''}`,
    ),
    `  validator  bob      uid ${net.validator.uid}`,
    `  API        ${apiUrl}  (docs ${apiUrl}/openapi.json)`,
    `  status     ${apiUrl}/status  (metrics ${apiUrl}/metrics, health ${apiUrl}/healthz)`,
    `  API key    ${net.apiKey}`,
    '',
    'Try:',
    `  curl -s ${apiUrl}/v1/chat/completions \\`,
    `    -H 'authorization: Bearer ${net.apiKey}' -H 'content-type: application/json' \\`,
    `    -d '{"model":"tiny-llm","messages":[{"role":"user","content":"Say hello"}],"max_tokens":16}'`,
    '',
    'The validator scores the miners each period and sets its weights on chain. Ctrl-C stops.',
  ].join('\n');
}

async function main(): Promise<number> {
  let runtime: DevnetRuntime;
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2).filter((a) => a !== '--'),
      options: { runtime: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    runtime = (values.runtime ?? DEFAULT_DEVNET_RUNTIME) as DevnetRuntime;
    if (!DEVNET_RUNTIMES.includes(runtime)) {
      throw new Error(
        `--runtime "${values.runtime}": expected one of ${DEVNET_RUNTIMES.join(', ')}`,
      );
    }
  } catch (err) {
    process.stderr.write(`start:local: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const net = await startLocalNetwork({
    logger,
    runtime,
    onPeriodDone: (period, outcome) =>
      process.stdout.write(`period ${period}: weights ${outcome.kind}\n`),
  });
  process.stdout.write(`${summary(net)}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stdout.write('stopping...\n');
  await net.stop();
  process.stdout.write('stopped\n');
  return 0;
}

main().then(
  // Everything of ours is closed, but message ports that libraries leave open (21 after a run)
  // would keep the process alive.
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `start:local failed: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  },
);
