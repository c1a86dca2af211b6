/**
 * `pnpm miner <command>`: start | register | status. Flags follow btcli (`--wallet.name`,
 * `--axon.port`); every flag can also come from a `--config` YAML file or a `SUBNET_MINER_*`
 * environment variable (see docs/miner.md). Exits non-zero with a readable message on any error.
 */
import { createInterface } from 'node:readline/promises';
import { ChainClient, loadColdkey, loadHotkey, neuronByHotkey } from '@subnet/chain';
import { runModelsCommand } from '@subnet/inference';
import pino from 'pino';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadMinerConfig } from '../config/loadConfig';
import type { MinerConfig } from '../config/minerConfig';
import { RAO_PER_TAO } from '../daemon/chainViews';
import { expandHome, startMiner } from '../daemon/startMiner';
import { MinerError } from '../errors';
import { buildTaskBackends, type TaskBackends } from '../tasks/buildTaskBackends';

const out = (line: string) => process.stdout.write(`${line}\n`);

function configOf(argv: Record<string, unknown>): Readonly<MinerConfig> {
  const { _, $0, config, yes, 'password-env': _pw, ...flags } = argv;
  return loadMinerConfig({
    flags,
    env: process.env,
    file: typeof config === 'string' ? config : undefined,
  });
}

function passwordFrom(argv: Record<string, unknown>): string | undefined {
  const name = argv['password-env'];
  if (typeof name !== 'string') return undefined;
  const value = process.env[name];
  if (value === undefined)
    throw new Error(`--password-env ${name}: that environment variable is not set`);
  return value;
}

const tao = (rao: bigint) => (Number(rao) / RAO_PER_TAO).toFixed(4);

async function start(argv: Record<string, unknown>): Promise<void> {
  const config = configOf(argv);
  const log = pino({
    level: config.logging.level,
    name: 'miner',
    redact: ['*.password', '*.signature', '*.seed'],
  });
  // Signals are taken from the first moment: one during start-up stops the miner once it is up.
  let stopSignal: string | undefined;
  let stop: ((signal: string) => void) | undefined;
  const onSignal = (signal: string) => {
    if (stopSignal) return;
    stopSignal = signal;
    log.info({ signal }, 'stopping');
    stop?.(signal);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));

  // Task backends from the config's models, loaded once the registration is checked (a bad
  // model stops start-up).
  let tasks: TaskBackends | undefined;
  const running = await startMiner(config, {
    log,
    backends: async () => {
      tasks = await buildTaskBackends(config, log);
      return tasks.backends;
    },
    hotkeyPassword: passwordFrom(argv),
  }).catch(async (err: unknown) => {
    await tasks?.close();
    throw err;
  });
  tasks?.bindMetrics(running.miner.metrics);
  stop = () => {
    running
      .stop()
      .then(() => tasks?.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'stop failed');
          process.exit(1);
        },
      );
  };
  if (stopSignal) stop(stopSignal);
}

async function register(argv: Record<string, unknown>): Promise<void> {
  const config = configOf(argv);
  const path = expandHome(config.wallet.path);
  const hotkey = await loadHotkey({ name: config.wallet.name, hotkey: config.wallet.hotkey, path });
  const chain = await ChainClient.connect({
    network: config.subtensor.network,
    logger: pino({ level: 'warn' }),
  });
  try {
    const existing = await chain.uidForHotkey(config.netuid, hotkey.address);
    if (existing !== undefined) {
      out(
        `hotkey ${hotkey.address} is already registered on subnet ${config.netuid} as uid ${existing}`,
      );
      return;
    }
    const { burn } = await chain.hyperparameters(config.netuid);
    out(
      `Registering hotkey ${hotkey.address} on subnet ${config.netuid} burns ${tao(burn)} TAO from wallet '${config.wallet.name}'.`,
    );
    if (argv.yes !== true) {
      if (!process.stdin.isTTY)
        throw new Error('not a terminal: confirm with --yes to spend the burn');
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question('Register? [y/N] ');
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        out('not registered');
        return;
      }
    }
    const coldkey = await loadColdkey(
      { name: config.wallet.name, path },
      { password: passwordFrom(argv) },
    );
    const uid = await chain.burnedRegister({
      netuid: config.netuid,
      coldkey,
      hotkey: hotkey.address,
    });
    out(`registered as uid ${uid}`);
  } finally {
    await chain.close();
  }
}

async function status(argv: Record<string, unknown>): Promise<void> {
  const config = configOf(argv);
  const hotkey = await loadHotkey({
    name: config.wallet.name,
    hotkey: config.wallet.hotkey,
    path: expandHome(config.wallet.path),
  });
  const chain = await ChainClient.connect({
    network: config.subtensor.network,
    logger: pino({ level: 'warn' }),
  });
  try {
    const mg = await chain.metagraph(config.netuid);
    const n = neuronByHotkey(mg, hotkey.address);
    if (!n) {
      out(
        `hotkey ${hotkey.address} is not registered on subnet ${config.netuid} (block ${mg.block})`,
      );
      return;
    }
    out(`subnet ${config.netuid} at block ${mg.block}: uid ${n.uid}, hotkey ${n.hotkey}`);
    out(`  axon        ${n.axon.ip}:${n.axon.port} (served at block ${n.axon.block})`);
    out(`  stake       ${tao(n.stake)}`);
    out(`  incentive   ${n.incentive}`);
    out(`  trust       ${n.trust}`);
    out(`  emission    ${tao(n.emission)} per tempo`);
    out(`  last update block ${n.lastUpdate}`);
    const host = config.axon.ip === '0.0.0.0' ? '127.0.0.1' : config.axon.ip;
    const local = await fetch(`http://${host}:${config.axon.port}/healthz`).then(
      (r) => r.json() as Promise<{ status: string; tasks: unknown }>,
      () => undefined,
    );
    out(
      local
        ? `  local axon  ${local.status}, tasks ${JSON.stringify(local.tasks)}`
        : `  local axon  not answering on port ${config.axon.port}`,
    );
  } finally {
    await chain.close();
  }
}

const common = {
  netuid: { type: 'string', describe: 'subnet id' },
  'subtensor.network': {
    type: 'string',
    describe: 'finney | test | local | ws://host:port (default local)',
  },
  'wallet.name': { type: 'string', describe: 'wallet (coldkey) name (default default)' },
  'wallet.hotkey': { type: 'string', describe: 'hotkey name (default default)' },
  'wallet.path': { type: 'string', describe: 'wallets directory (default ~/.bittensor/wallets)' },
  config: {
    type: 'string',
    describe: 'YAML/JSON config file (flags and SUBNET_MINER_* env override it)',
  },
} as const;

const run =
  (fn: (argv: Record<string, unknown>) => Promise<void>) =>
  async (argv: Record<string, unknown>) => {
    try {
      await fn(argv);
    } catch (e) {
      const code = e instanceof MinerError ? ` [${e.code}]` : '';
      process.stderr.write(`miner: ${(e as Error).message}${code}\n`);
      process.exit(1);
    }
  };

await yargs(hideBin(process.argv))
  .scriptName('pnpm miner')
  .parserConfiguration({
    'parse-numbers': false,
    'camel-case-expansion': false,
    'dot-notation': true,
  })
  .usage(
    '$0 <command> [options]\n\nA miner of the inference subnet: serves image and LLM tasks to validators.',
  )
  .command(
    'start',
    'load the hotkey, check registration, serve the axon on chain and answer validators',
    (y) =>
      y.options({
        ...common,
        'axon.port': { type: 'string', describe: 'port to listen on (default 8091)' },
        'axon.ip': { type: 'string', describe: 'interface to listen on (default 0.0.0.0)' },
        'axon.external_ip': {
          type: 'string',
          describe: 'IP announced on chain (required off the local network)',
        },
        'axon.external_port': {
          type: 'string',
          describe: 'port announced on chain (default: axon.port)',
        },
        'blacklist.min_stake': {
          type: 'string',
          describe: 'refuse validators with less stake (TAO)',
        },
        'logging.level': { type: 'string', describe: 'trace | debug | info | warn | error' },
        'password-env': {
          type: 'string',
          describe: 'environment variable holding the hotkey password, if encrypted',
        },
      }),
    run(start),
  )
  .command(
    'register',
    'burn-register the hotkey on the subnet (shows the cost and asks first)',
    (y) =>
      y.options({
        ...common,
        yes: { type: 'boolean', describe: 'do not ask before spending' },
        'password-env': {
          type: 'string',
          describe: 'environment variable holding the coldkey password',
        },
      }),
    run(register),
  )
  .command(
    'status',
    'registration, axon, stake, incentive, emission and trust; the local axon',
    (y) =>
      y.options({
        ...common,
        'axon.port': { type: 'string', describe: 'port of the local axon to ask (default 8091)' },
        'axon.ip': { type: 'string', describe: 'interface of the local axon (default 0.0.0.0)' },
      }),
    run(status),
  )
  .command(
    'models [args..]',
    'list | pull | verify | providers: the models in the registry (downloads with resume and sha256)',
    (y) => y.help(false).version(false).strict(false),
    async () => {
      // The inference package's command, with its own flags and --help.
      process.env.LOG_LEVEL ??= 'warn';
      const args = process.argv.slice(process.argv.indexOf('models') + 1);
      const code = await runModelsCommand(args, { stdout: process.stdout, stderr: process.stderr });
      process.exit(code);
    },
  )
  .demandCommand(1, 'name a command: start, register, status or models')
  .strictCommands()
  .wrap(Math.min(110, process.stdout.columns ?? 110))
  .help()
  .parseAsync();
