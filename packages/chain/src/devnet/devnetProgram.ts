/** `pnpm devnet`: the real subtensor runtime on ws://127.0.0.1:9944 with a ready subnet. */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import {
  CliError,
  type CliIo,
  type CommandSpec,
  isLogLevel,
  type OptionSpec,
  type OptionValues,
  onStopSignals,
  type ProgramSpec,
  resolvePath,
  type SignalSource,
  stringOption,
  UsageError,
  WALLET_FLAGS,
} from '@subnet/kit';
import { commandLogger, QUIET_LOGGING_FLAGS } from '../cli/cliSupport.js';
import { ChainErrorCode } from '../errors.js';
import { writeDevWallets } from '../wallet/devWallets.js';
import {
  DEFAULT_DEVNET_RUNTIME,
  DEVNET_RUNTIMES,
  type DevnetRuntime,
  resolveChainSpec,
} from './chainSpec.js';
import { type BlockMode, type Devnet, startDevnet } from './startDevnet.js';

/** `12s`, `3000ms` or `2.5` (seconds) as milliseconds; at least 100 ms. */
export function parseBlockTime(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (!m?.[1]) {
    throw new UsageError(
      `--block-time "${text}" is not a duration`,
      'write it as 12s, 3000ms or 2.5 (seconds)',
    );
  }
  const n = Number(m[1]);
  const ms = m[2] === 'ms' ? n : n * 1000;
  if (ms < 100) throw new UsageError(`--block-time "${text}" is too short`, 'at least 100ms');
  return Math.round(ms);
}

function wholeNumber(values: OptionValues, name: string, fallback: number, max: number): number {
  const text = stringOption(values, name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < 0 || n > max) {
    throw new UsageError(
      `--${name} "${text}" is not a whole number from 0 to ${max}`,
      `e.g. --${name} ${fallback}`,
    );
  }
  return n;
}

interface DevnetSettings {
  runtime: DevnetRuntime;
  port: number;
  host: string;
  blockMode: BlockMode;
  tempo: number;
  commitReveal: boolean;
  weightsRateLimit: number;
  /** Where the dev wallets are written, when they are. */
  walletsDir: string | undefined;
  /** An operator's chain spec (flag or SUBTENSOR_CHAIN_SPEC), absolute. */
  chainSpec: string | undefined;
  chopsticksLogLevel: string;
  json: boolean;
}

/** Every flag and variable checked before anything starts: a mistake is exit 2, at once. */
function settingsOf(values: OptionValues, io: CliIo): DevnetSettings {
  const runtime = stringOption(values, 'runtime') ?? DEFAULT_DEVNET_RUNTIME;
  if (!DEVNET_RUNTIMES.includes(runtime as DevnetRuntime)) {
    throw new UsageError(
      `--runtime "${runtime}" is not a devnet runtime`,
      `use one of ${DEVNET_RUNTIMES.join(', ')}`,
    );
  }
  const blockTime = stringOption(values, 'block-time');
  if (values.manual === true && blockTime !== undefined) {
    throw new UsageError(
      '--manual and --block-time exclude each other',
      'give one of them (neither: a block per extrinsic)',
    );
  }
  const blockMode: BlockMode =
    values.manual === true
      ? 'manual'
      : blockTime !== undefined
        ? { intervalMs: parseBlockTime(blockTime) }
        : 'instant';
  const walletPath = stringOption(values, 'wallet.path');
  if (walletPath !== undefined && values['write-wallets'] !== true) {
    throw new UsageError(
      '--wallet.path is where --write-wallets writes the dev wallets',
      'add --write-wallets, or leave out --wallet.path',
    );
  }
  const chainSpecText = stringOption(values, 'chain-spec');
  const chainSpec = chainSpecText === undefined ? undefined : resolvePath(chainSpecText, io.paths);
  if (chainSpec !== undefined && !existsSync(chainSpec)) {
    throw new CliError(ChainErrorCode.ChainSpec, `--chain-spec: no file at ${chainSpec}`, {
      fix: 'give the path of a subtensor chain spec (raw or plain JSON), or leave it out',
      exitCode: 2,
    });
  }
  const chopsticksLogLevel = io.env.CHOPSTICKS_LOG_LEVEL ?? 'warn';
  if (!isLogLevel(chopsticksLogLevel)) {
    throw new UsageError(
      `CHOPSTICKS_LOG_LEVEL "${chopsticksLogLevel}" is not a level`,
      'use one of trace, debug, info, warn, error, or unset it',
    );
  }
  return {
    runtime: runtime as DevnetRuntime,
    port: wholeNumber(values, 'port', 9944, 65535),
    host: stringOption(values, 'host') ?? '127.0.0.1',
    blockMode,
    tempo: wholeNumber(values, 'tempo', 10, 65535),
    commitReveal: values['commit-reveal'] === true,
    weightsRateLimit: wholeNumber(values, 'weights-rate-limit', 0, 2 ** 32 - 1),
    walletsDir:
      values['write-wallets'] === true
        ? resolvePath(walletPath ?? '~/.bittensor/wallets', io.paths)
        : undefined,
    chainSpec,
    chopsticksLogLevel,
    json: values.json === true,
  };
}

function describe(devnet: Devnet, s: DevnetSettings): string[] {
  const mode = typeof s.blockMode === 'string' ? s.blockMode : `every ${s.blockMode.intervalMs} ms`;
  return [
    '',
    `  subtensor devnet ready (spec ${devnet.specVersion}, blocks: ${mode})`,
    `  endpoint  ${devnet.endpoint}`,
    `  netuid    ${devnet.netuid}`,
    '',
    '  dev wallets (public dev secrets: local use only)',
    ...devnet.wallets.map(
      (w) =>
        `    ${w.name.padEnd(8)} ${w.role.padEnd(22)} coldkey ${w.coldkeyUri.padEnd(17)} ${w.coldkey}\n` +
        `    ${''.padEnd(8)} ${''.padEnd(22)} hotkey  ${w.hotkeyUri.padEnd(17)} ${w.hotkey}`,
    ),
    '',
    s.walletsDir
      ? `  wallets written to ${s.walletsDir} (wallet names above, hotkey "default")`
      : '  --write-wallets writes them in the btcli layout for the miner and validator',
    `  try: pnpm chain metagraph --subtensor.network ${devnet.endpoint} --netuid ${devnet.netuid}`,
    '  Ctrl-C to stop',
    '',
  ];
}

/**
 * Fails with `DEVNET_PORT_IN_USE` when `host:port` is taken. chopsticks would quietly listen on
 * the next free port instead, and a miner pointed at `local` would find the other chain there.
 */
async function requireFreePort(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const taken = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
  if (taken === undefined) return;
  throw new CliError(
    taken.code === 'EADDRINUSE' ? 'DEVNET_PORT_IN_USE' : 'DEVNET_LISTEN_FAILED',
    taken.code === 'EADDRINUSE'
      ? `${host}:${port} is taken`
      : `cannot listen on ${host}:${port} (${taken.code ?? taken.message})`,
    {
      fix:
        taken.code === 'EADDRINUSE'
          ? `is a devnet running there already? stop it (\`ss -ltnp 'sport = :${port}'\` shows what listens), or pass --port 0 for any free port`
          : `check that ${host} is an address of this machine (--host)`,
    },
  );
}

export interface DevnetProgramOptions {
  /** Where stop signals come from (default: this process). */
  readonly signals?: SignalSource;
}

function devnetCommand(options: DevnetProgramOptions): CommandSpec {
  return {
    name: '',
    summary: 'A local subtensor chain with a subnet ready for a miner and a validator.',
    description:
      "A real subtensor runtime in chopsticks, offline: //Alice is sudo, the dev wallets are funded, a subnet with local-friendly hyperparameters is registered, and it prints the endpoint, the netuid and the dev wallets. Ctrl-C stops it; nothing is kept.\n\nEnvironment: SUBTENSOR_CHAIN_SPEC (a chain spec file instead of the pinned one), CHOPSTICKS_LOG_LEVEL (the level from which chopsticks' own lines are logged; default warn). More: docs/local-devnet.md.",
    options: {
      runtime: {
        type: 'string',
        value: 'NAME',
        description:
          'spec293 (July 2025: 1 s Aura slot, subnets started with start_call; the closest to mainnet that runs offline) or spec218 (February 2025, the dTAO launch: 3 s slot)',
        default: DEFAULT_DEVNET_RUNTIME,
      },
      port: {
        type: 'string',
        value: 'N',
        description: 'the port to listen on (0: any free port)',
        default: '9944',
      },
      host: {
        type: 'string',
        value: 'ADDR',
        description: 'the interface to listen on',
        default: '127.0.0.1',
      },
      'block-time': {
        type: 'string',
        value: 'T',
        description: 'build a block every T (12s, 3000ms, 2.5) instead of one per extrinsic',
      },
      manual: {
        type: 'boolean',
        description: 'build blocks only when asked (the RPC dev_newBlock)',
      },
      tempo: {
        type: 'string',
        value: 'N',
        description: 'the subnet tempo in blocks',
        default: '10',
      },
      'commit-reveal': {
        type: 'boolean',
        description: 'turn commit-reveal weights on for the subnet',
      },
      'weights-rate-limit': {
        type: 'string',
        value: 'N',
        description: 'blocks between two weights of one validator',
        default: '0',
      },
      'write-wallets': {
        type: 'boolean',
        description:
          'write the dev wallets in the btcli layout under --wallet.path (existing files are kept)',
      },
      'wallet.path': {
        ...(WALLET_FLAGS['wallet.path'] as OptionSpec),
        description:
          'where --write-wallets writes them (relative paths are taken from where you run the command)',
      },
      'chain-spec': {
        type: 'string',
        value: 'FILE',
        description:
          "a chain spec, raw or plain, instead of the runtime's pinned one (else SUBTENSOR_CHAIN_SPEC, ../shared/subtensor, or the pinned download)",
      },
      json: { type: 'boolean', description: 'print the details as one JSON line (for scripts)' },
      ...QUIET_LOGGING_FLAGS,
    },
    examples: [
      'pnpm devnet',
      'pnpm devnet --runtime spec218 --block-time 12s',
      'pnpm devnet --write-wallets --wallet.path ./wallets',
      'pnpm devnet --port 0 --json',
    ],
    async run({ values, io }) {
      const s = settingsOf(values, io);
      const logger = commandLogger(values, 'devnet');
      // Listen from the start: a Ctrl-C during the start stops the devnet once it is up.
      let stop!: () => void;
      const stopped = new Promise<void>((resolve) => {
        stop = resolve;
      });
      const offSignals = onStopSignals({
        onStop: () => stop(),
        ...(options.signals ? { source: options.signals } : {}),
      });
      try {
        await requireFreePort(s.host, s.port);
        const chainSpec =
          s.chainSpec ?? (await resolveChainSpec({ runtime: s.runtime, env: io.env }));
        const devnet = await startDevnet({
          runtime: s.runtime,
          port: s.port,
          host: s.host,
          blockMode: s.blockMode,
          chainSpec,
          logger,
          chopsticksLogLevel: s.chopsticksLogLevel,
          subnet: {
            tempo: s.tempo,
            commitRevealWeightsEnabled: s.commitReveal,
            weightsSetRateLimit: s.weightsRateLimit,
          },
        });
        try {
          if (s.walletsDir) await writeDevWallets(s.walletsDir);
          if (s.json) {
            const mode =
              typeof s.blockMode === 'string' ? s.blockMode : `every ${s.blockMode.intervalMs} ms`;
            io.out(
              JSON.stringify({
                endpoint: devnet.endpoint,
                netuid: devnet.netuid,
                specVersion: devnet.specVersion,
                blockMode: mode,
                wallets: devnet.wallets,
                walletsDir: s.walletsDir,
              }),
            );
          } else {
            io.out(describe(devnet, s).join('\n'));
          }
          await stopped;
        } finally {
          await devnet.close();
        }
        return 0;
      } finally {
        offSignals();
      }
    },
  };
}

/** The program: one command, no name (`pnpm devnet [options]`). */
export function devnetProgram(options: DevnetProgramOptions = {}): ProgramSpec {
  return {
    name: 'pnpm devnet',
    summary: 'A local subtensor chain with a subnet ready for a miner and a validator.',
    commands: [devnetCommand(options)],
  };
}
