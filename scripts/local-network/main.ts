/**
 * `pnpm start:local`: starts the local network, prints where to look, and runs until Ctrl-C.
 * Daemon logs go to stderr (LOG_LEVEL, default warn); the summary goes to stdout.
 */
import pino from 'pino';
import { type LocalNetwork, startLocalNetwork } from './startLocal';

function summary(net: LocalNetwork): string {
  const { apiUrl } = net.validator;
  return [
    'Local subnet running.',
    `  chain      ${net.endpoint}  (netuid ${net.netuid})`,
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

async function main(): Promise<void> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const net = await startLocalNetwork({
    logger,
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
  // Everything of ours is closed, but message ports that libraries leave open (21 after a run)
  // would keep the process alive.
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`start:local failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
