#!/usr/bin/env node
// `pnpm devnet`: the real subtensor runtime on ws://127.0.0.1:9944 with a ready subnet.
import { parseArgs } from 'node:util';
import { writeDevWallets } from '../wallet/devWallets.js';
import { defaultWalletPath } from '../wallet/wallet.js';
import { DEFAULT_DEVNET_RUNTIME, DEVNET_RUNTIMES, type DevnetRuntime } from './chainSpec.js';
import { type BlockMode, startDevnet } from './startDevnet.js';

const HELP = `pnpm devnet [options]

Starts a local subtensor chain (a real runtime in chopsticks; offline), makes //Alice sudo, funds
the dev wallets, registers a subnet with local-friendly hyperparameters and prints the endpoint,
the netuid and the dev wallets. Ctrl-C stops it; nothing is kept.

Options:
  --runtime <name>     which subtensor runtime (default ${DEFAULT_DEVNET_RUNTIME}):
                         spec293  July 2025 (plain spec aura-dev.json): 1 s Aura slot, subnets
                                  started with start_call, register_network without mechid;
                                  the closest to mainnet that runs offline
                         spec218  February 2025, the dTAO launch (raw spec raonet.json): 3 s slot
  --port <n>           port to listen on (default 9944; 0 = any free port)
  --host <addr>        interface to listen on (default 127.0.0.1)
  --block-time <t>     build a block every <t> (e.g. 12s, 3000ms, 2.5) instead of one per
                       extrinsic (the default, "instant")
  --manual             build blocks only when asked (RPC dev_newBlock)
  --tempo <n>          subnet tempo in blocks (default 10)
  --commit-reveal      turn commit-reveal weights on for the subnet
  --weights-rate-limit <n>  blocks between weights of one validator (default 0)
  --write-wallets [dir]     write the dev wallets in the btcli layout (default
                       ${defaultWalletPath()}); existing files are kept
  --chain-spec <path>  chain spec, raw or plain, instead of the runtime's pinned one (default:
                       $SUBTENSOR_CHAIN_SPEC, ../shared/subtensor, or the pinned download)
  --json               print the details as one JSON line (for scripts)
  -h, --help           this help

Environment: SUBTENSOR_CHAIN_SPEC, CHOPSTICKS_LOG_LEVEL (default warn), LOG_LEVEL.
`;

function fail(msg: string): never {
  process.stderr.write(`devnet: ${msg}\n\n${HELP}`);
  process.exit(2);
}

export function parseBlockTime(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (!m?.[1]) throw new Error(`--block-time "${text}": expected e.g. 12s, 3000ms or 2.5`);
  const n = Number(m[1]);
  const ms = m[2] === 'ms' ? n : n * 1000;
  if (ms < 100) throw new Error(`--block-time "${text}": at least 100 ms`);
  return Math.round(ms);
}

async function main(): Promise<void> {
  // Progress goes to the terminal as text below; pino's info lines only with LOG_LEVEL=info.
  process.env.LOG_LEVEL ??= 'warn';
  let args: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: process.argv.slice(2).filter((a) => a !== '--'),
      options: {
        runtime: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'block-time': { type: 'string' },
        manual: { type: 'boolean' },
        tempo: { type: 'string' },
        'commit-reveal': { type: 'boolean' },
        'weights-rate-limit': { type: 'string' },
        'write-wallets': { type: 'string' },
        'chain-spec': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  }
  try {
    // `--write-wallets` without a value: parseArgs needs one, so give it the default.
    const argv = process.argv;
    const i = argv.indexOf('--write-wallets');
    if (i >= 0 && (i === argv.length - 1 || argv[i + 1]?.startsWith('-')))
      argv.splice(i + 1, 0, defaultWalletPath());
    args = parse();
  } catch (err) {
    fail((err as Error).message);
  }
  const v = args.values;
  if (v.help) {
    process.stdout.write(HELP);
    return;
  }
  const int = (name: string, text: string | undefined, def: number) => {
    if (text === undefined) return def;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) fail(`--${name} "${text}": expected a whole number`);
    return n;
  };
  let blockMode: BlockMode = 'instant';
  if (v.manual && v['block-time']) fail('--manual and --block-time exclude each other');
  if (v.manual) blockMode = 'manual';
  if (v['block-time']) {
    try {
      blockMode = { intervalMs: parseBlockTime(v['block-time']) };
    } catch (err) {
      fail((err as Error).message);
    }
  }

  const runtime = (v.runtime ?? DEFAULT_DEVNET_RUNTIME) as DevnetRuntime;
  if (!DEVNET_RUNTIMES.includes(runtime)) {
    fail(`--runtime "${v.runtime}": expected one of ${DEVNET_RUNTIMES.join(', ')}`);
  }

  const devnet = await startDevnet({
    runtime,
    port: int('port', v.port, 9944),
    host: v.host ?? '127.0.0.1',
    blockMode,
    ...(v['chain-spec'] ? { chainSpec: v['chain-spec'] } : {}),
    subnet: {
      tempo: int('tempo', v.tempo, 10),
      commitRevealWeightsEnabled: Boolean(v['commit-reveal']),
      weightsSetRateLimit: int('weights-rate-limit', v['weights-rate-limit'], 0),
    },
  });
  const walletsDir = v['write-wallets'];
  if (walletsDir) await writeDevWallets(walletsDir);

  const mode = typeof blockMode === 'string' ? blockMode : `every ${blockMode.intervalMs} ms`;
  if (v.json) {
    process.stdout.write(
      `${JSON.stringify({ endpoint: devnet.endpoint, netuid: devnet.netuid, specVersion: devnet.specVersion, blockMode: mode, wallets: devnet.wallets, walletsDir })}\n`,
    );
  } else {
    const lines = [
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
      walletsDir
        ? `  wallets written to ${walletsDir} (wallet names above, hotkey "default")`
        : '  --write-wallets writes them in the btcli layout for the miner and validator',
      `  try: pnpm chain metagraph --network ${devnet.endpoint} --netuid ${devnet.netuid}`,
      '  Ctrl-C to stop',
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await devnet.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  const e = err as { code?: string; message?: string };
  process.stderr.write(`devnet: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}\n`);
  process.exit(1);
});
