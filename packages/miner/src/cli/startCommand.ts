/**
 * `pnpm miner start`: the daemon. Stop signals are taken from the first moment (one that comes
 * during start-up stops the miner as soon as it is up); the first drains the requests in flight and
 * the command returns 0, a second exits at once. The command returns only once the miner has
 * stopped, so its exit code is the process's.
 */
import {
  type CommandSpec,
  createLogger,
  type Logger,
  onStopSignals,
  PASSWORD_ENV_FLAG,
  passwordFromEnv,
} from '@subnet/kit';
import type { MinerConfig } from '../config/minerConfig';
import { catalogEnv, type Env } from '../config/resolveSettings';
import { startMiner } from '../daemon/startMiner';
import { buildTaskBackends, type TaskBackends } from '../tasks/buildTaskBackends';
import { AXON_LISTEN_FLAGS, COMMON_FLAGS, minerSettings, START_FLAGS } from './minerFlags';

/** Runs the miner until a stop signal, then drains it. */
async function runMiner(
  config: Readonly<MinerConfig>,
  options: { log: Logger; env: Env; hotkeyPassword: string | undefined },
): Promise<void> {
  const { log } = options;
  let stopRequested!: () => void;
  const stopSignal = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  const stopListening = onStopSignals({
    onStop: (signal) => {
      log.info({ signal }, 'stopping');
      stopRequested();
    },
    onForce: (code) => {
      log.warn({ exitCode: code }, 'second stop signal: exiting without draining');
      process.exit(code);
    },
  });
  try {
    // Task backends from the config's models, loaded once the registration is checked (a bad
    // model stops start-up).
    let tasks: TaskBackends | undefined;
    const running = await startMiner(config, {
      log,
      backends: async () => {
        tasks = await buildTaskBackends(config, log, { env: options.env });
        return tasks.backends;
      },
      hotkeyPassword: options.hotkeyPassword,
    }).catch(async (err: unknown) => {
      await tasks?.close();
      throw err;
    });
    tasks?.bindMetrics(running.miner.metrics);
    await stopSignal;
    await running.stop();
    await tasks?.close();
  } finally {
    stopListening();
  }
}

export const startCommand: CommandSpec = {
  name: 'start',
  summary: 'load the hotkey, check the registration, serve the axon on chain and answer validators',
  description:
    'Steps, each logged: load the hotkey, connect to the chain, check the registration (never spends: an unregistered hotkey stops start-up with the register command to run), load the models of the configured tasks, listen, serve_axon when the chain has another address, follow the metagraph. SIGINT or SIGTERM drains the requests in flight and exits 0; a second one exits at once.\n\nEvery setting can also come from a SUBNET_MINER_* environment variable (double underscore nests: SUBNET_MINER_AXON__PORT) or the --config file; flags win over the environment, which wins over the file.',
  options: {
    ...COMMON_FLAGS,
    ...AXON_LISTEN_FLAGS,
    ...START_FLAGS,
    ...PASSWORD_ENV_FLAG,
  },
  examples: [
    'pnpm miner start --netuid 1 --subtensor.network finney --wallet.name miner --axon.external_ip 203.0.113.7 --config miner.yaml',
  ],
  async run(ctx) {
    const config = minerSettings(ctx);
    const hotkeyPassword = passwordFromEnv(ctx.values, ctx.io.env);
    const log = createLogger({ name: 'miner', level: config.logging.level, destination: 1 });
    await runMiner(config, { log, env: catalogEnv(ctx.io.env), hotkeyPassword });
    return 0;
  },
};
