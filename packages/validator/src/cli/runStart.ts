/**
 * What `pnpm validator start` (startCommand.ts) runs: loads and checks the configuration once,
 * starts the daemon (wallet, chain, registration, storage, work loop, API; each step logged, each
 * failure naming its fix) and resolves once it has stopped: the first SIGINT or SIGTERM drains it
 * (exit 0), a second exits at once.
 */
import type { KeyringPair } from '@subnet/chain';
import { type CommandContext, createLogger, onStopSignals, passwordFromEnv } from '@subnet/kit';
import { startOrganicApi } from '../api/startOrganicApi';
import { openConfiguredWork } from '../daemon/configuredWork';
import { startValidator } from '../daemon/startValidator';
import { startObservabilityServer } from '../status/startObservabilityServer';
import type { ValidatorMetrics } from '../status/validatorMetrics';
import { daemonConfig } from './settingFlags';

export async function runStart({ values, io }: CommandContext): Promise<number> {
  const config = daemonConfig(values, io);
  const password = passwordFromEnv(values, io.env);
  const log = createLogger({ name: 'validator', level: config.logging.level, destination: 1 });

  // Listening from the start: a signal during start-up stops the daemon as soon as it runs.
  let stopSignal: (signal: string) => void = () => undefined;
  const stopRequested = new Promise<string>((resolve) => {
    stopSignal = resolve;
  });
  const unlisten = onStopSignals({
    onStop: (signal) => {
      log.info({ signal }, 'signal received');
      stopSignal(signal);
    },
  });
  try {
    const running = await startValidator(config, {
      logger: log,
      hotkeyPassword: password,
      ...(Object.keys(config.checking.models.entries).length > 0
        ? {
            work: (hotkey: KeyringPair, metrics: ValidatorMetrics) =>
              openConfiguredWork(config, hotkey, { log, env: { ...io.env }, metrics }),
          }
        : {}),
      services: async (ctx) => [
        ctx.config.api.enabled
          ? await startOrganicApi(ctx, log)
          : await startObservabilityServer(ctx, log),
      ],
    });
    await stopRequested;
    await running.stop();
    return 0;
  } finally {
    unlisten();
  }
}
