/**
 * `./dev start [--runtime spec293|spec218]`: starts the local network, prints where to look,
 * and runs until Ctrl-C. Daemon logs go to stderr (--logging.level or LOG_LEVEL, default warn);
 * the summary goes to stdout.
 */
import { DEFAULT_DEVNET_RUNTIME, DEVNET_RUNTIMES, type DevnetRuntime } from '@subnet/chain/devnet';
import {
  type CliIo,
  type CommandContext,
  createLogger,
  isLogLevel,
  loggingFlags,
  logLevelFlag,
  onStopSignals,
  type ProgramSpec,
  runMain,
  stringOption,
  UsageError,
} from '@subnet/kit';
import { type LocalNetwork, startLocalNetwork } from './startLocal';

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

const program: ProgramSpec = {
  name: './dev start',
  summary:
    'Starts the local network: a devnet, two miners and a validator on this machine; Ctrl-C stops it.',
  commands: [
    {
      name: '',
      summary:
        "Starts the local network: a devnet, two miners and a validator on this machine; Ctrl-C stops it. The summary goes to stdout, the daemons' JSON logs to stderr (warn and above unless --logging.level or LOG_LEVEL says otherwise).",
      options: {
        runtime: {
          type: 'string',
          value: 'NAME',
          description: `the devnet's subtensor runtime: ${DEVNET_RUNTIMES.join(' or ')} (see pnpm devnet --help)`,
          default: DEFAULT_DEVNET_RUNTIME,
        },
        ...loggingFlags('warn'),
      },
      run: (ctx) => run(ctx.values, ctx.io),
    },
  ],
};

async function run(values: CommandContext['values'], io: CliIo): Promise<number> {
  const runtime = (stringOption(values, 'runtime') ?? DEFAULT_DEVNET_RUNTIME) as DevnetRuntime;
  if (!DEVNET_RUNTIMES.includes(runtime)) {
    throw new UsageError(
      `--runtime "${runtime}" is not a runtime`,
      `use one of ${DEVNET_RUNTIMES.join(', ')}`,
    );
  }
  const envLevel = io.env.LOG_LEVEL;
  const level = logLevelFlag(values) ?? (envLevel && isLogLevel(envLevel) ? envLevel : 'warn');
  const logger = createLogger({ name: 'local-network', level, destination: 2 });
  const net = await startLocalNetwork({
    logger,
    runtime,
    onPeriodDone: (period, outcome) => io.out(`period ${period}: weights ${outcome.kind}`),
  });
  io.out(summary(net));
  await new Promise<void>((resolve) => {
    onStopSignals({ onStop: () => resolve() });
  });
  io.out('stopping...');
  await net.stop();
  io.out('stopped');
  return 0;
}

// Everything of ours is closed at the end, but message ports that libraries leave open (21 after
// a run) would keep the process alive: exit once the command returns.
await runMain(program, { exit: true });
