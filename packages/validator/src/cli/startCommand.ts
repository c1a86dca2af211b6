/**
 * `validator start`: parses btcli-style flags with yargs, loads and validates the configuration
 * once, starts the daemon and stops it on SIGTERM/SIGINT (the API drains, storage closes).
 */

import type { KeyringPair } from '@subnet/chain';
import pino, { type Logger } from 'pino';
import yargs from 'yargs';
import { startOrganicApi } from '../api/startOrganicApi';
import { loadValidatorConfig } from '../config/loadConfig';
import type { ValidatorConfig } from '../config/validatorConfig';
import { openConfiguredWork } from '../daemon/configuredWork';
import { type RunningValidator, startValidator } from '../daemon/startValidator';
import { ValidatorError, ValidatorErrorCode } from '../errors';
import { startObservabilityServer } from '../status/startObservabilityServer';
import type { ValidatorMetrics } from '../status/validatorMetrics';

export interface StartCommandIo {
  out(text: string): void;
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

const START_OPTIONS = {
  netuid: { type: 'string', describe: 'subnet id' },
  'subtensor.network': {
    type: 'string',
    describe: 'finney | test | local | ws://host:port (default local)',
  },
  'wallet.name': { type: 'string', describe: 'wallet (coldkey) name (default default)' },
  'wallet.hotkey': { type: 'string', describe: 'hotkey name (default default)' },
  'wallet.path': { type: 'string', describe: 'wallets directory (default ~/.bittensor/wallets)' },
  'database-url': { type: 'string', describe: 'PostgreSQL URL (default: the embedded database)' },
  'data-dir': { type: 'string', describe: 'embedded database directory' },
  'api.host': { type: 'string', describe: 'organic API interface (default 127.0.0.1)' },
  'api.port': { type: 'string', describe: 'organic API port (default 8090)' },
  'api.enabled': {
    type: 'string',
    describe:
      'serve the organic API (default true); false still serves /status, /metrics, /healthz there',
  },
  'api.text_models': {
    type: 'string',
    describe: 'model ids sold for chat/completions (comma-separated)',
  },
  'api.image_models': { type: 'string', describe: 'model ids sold for images (comma-separated)' },
  'period.blocks': { type: 'string', describe: 'scoring period in blocks (default 360)' },
  'metagraph.every_blocks': { type: 'string', describe: 'metagraph refresh (default 5 blocks)' },
  'weights.version_key': { type: 'string', describe: 'version key sent with weights' },
  'checking.check_share': {
    type: 'string',
    describe: 'share of answers re-run with the same seed (default 0.5)',
  },
  'checking.head_to_head_share': {
    type: 'string',
    describe: 'share of queries sent to two miners at once (default 0.25)',
  },
  'checking.block_ms': { type: 'string', describe: 'wall time of one block (default 12000)' },
  'checking.llm_sample_match': {
    type: 'string',
    describe: "also re-sample LLM answers with the task's seed (default false; same provider only)",
  },
  'work.concurrency': {
    type: 'string',
    describe: 'queries to miners in flight at once (default 64)',
  },
  'work.per_miner_concurrency': {
    type: 'string',
    describe: 'queries in flight to one miner (default 2)',
  },
  'work.max_queries': {
    type: 'string',
    describe: 'most synthetic queries one period plans, whatever miners declare (default 4096)',
  },
  'work.stale_periods': {
    type: 'string',
    describe:
      '/healthz fails after this many periods without a period handled or weights (default 3)',
  },
  'logging.level': { type: 'string', describe: 'trace | debug | info | warn | error' },
  'password-env': {
    type: 'string',
    describe: 'environment variable holding the hotkey password, if encrypted',
  },
  config: {
    type: 'string',
    describe:
      'YAML/JSON config file (flags and SUBNET_VALIDATOR_* env override it); checking.models lists the models answers are checked with (docs/validator.md)',
  },
} as const;

const USAGE = `Usage: validator <command> [options]

Commands:
  start                  run the validator daemon (see validator start --help)
  keys create|list|revoke  manage the organic API's keys (see validator keys --help)`;

function configOf(
  argv: Record<string, unknown>,
  env: StartCommandIo['env'],
): Readonly<ValidatorConfig> {
  const {
    _,
    $0,
    config,
    'password-env': _pw,
    'database-url': databaseUrl,
    'data-dir': dataDir,
    ...flags
  } = argv;
  return loadValidatorConfig({
    flags: {
      ...flags,
      ...(databaseUrl === undefined ? {} : { database_url: databaseUrl }),
      ...(dataDir === undefined ? {} : { data_dir: dataDir }),
    },
    env,
    file: typeof config === 'string' ? config : undefined,
  });
}

function waitForSignal(running: RunningValidator, log: Logger): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'signal received');
      running.stop().then(resolve, (e: unknown) => {
        log.error({ err: e }, 'stop failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/** Runs `validator start ...`; resolves with the exit code once the daemon stopped. */
export async function runStartCommand(
  argv: readonly string[],
  io: StartCommandIo,
): Promise<number> {
  let parsed: Record<string, unknown> | undefined;
  let usageError: string | undefined;
  let helpText: string | undefined;
  await yargs([...argv])
    .scriptName('validator')
    .parserConfiguration({
      'parse-numbers': false,
      'camel-case-expansion': false,
      'dot-notation': true,
    })
    .command(
      'start',
      'run the validator daemon',
      (y) => y.options(START_OPTIONS),
      (a) => {
        parsed = a as Record<string, unknown>;
      },
    )
    .demandCommand(1, 'name a command: start or keys')
    .strictCommands()
    .exitProcess(false)
    .version(false)
    .fail((msg, e) => {
      usageError = msg ?? e?.message ?? 'bad usage';
    })
    .help()
    .parseAsync([...argv], {}, (_e, _a, output) => {
      if (output) helpText = output;
    });
  if (usageError !== undefined) {
    io.err(`${usageError}\n\n${USAGE}`);
    return 2;
  }
  if (!parsed) {
    if (helpText) io.out(helpText);
    return 0;
  }

  let config: Readonly<ValidatorConfig>;
  try {
    config = configOf(parsed, io.env);
  } catch (e) {
    if (e instanceof ValidatorError && e.code === ValidatorErrorCode.ConfigInvalid) {
      io.err(`validator: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const log = pino({
    level: config.logging.level,
    name: 'validator',
    redact: ['*.password', '*.secret', '*.seed', '*.signature', 'req.headers.authorization'],
  });
  const passwordEnv = parsed['password-env'];
  const password = typeof passwordEnv === 'string' ? io.env[passwordEnv] : undefined;
  if (typeof passwordEnv === 'string' && password === undefined) {
    io.err(`validator: --password-env ${passwordEnv}: that environment variable is not set`);
    return 2;
  }
  let running: RunningValidator;
  try {
    running = await startValidator(config, {
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
  } catch (e) {
    const code = (e as { code?: string }).code;
    io.err(`validator: ${(e as Error).message}${code ? ` [${code}]` : ''}`);
    return 1;
  }
  await waitForSignal(running, log);
  return 0;
}
