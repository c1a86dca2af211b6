/**
 * Our miner axon (see `benchAxon.ts`) in a process of its own, for benches whose load client runs
 * in another process:
 *
 *   node --import tsx packages/miner/bench/axonServer.ts [--host 127.0.0.1] [--port 0]
 *        [--verify-workers <n>] [--exit-with-stdin]
 *
 * When listening it prints one line on stdout:
 *   {"ready":true,"port":N,"pid":P,"hotkey":"<ss58>","verifyWorkers":n|null,"cryptoBackend":...}
 * Then, one JSON line each:
 *   stdin `stats` (or SIGUSR2)  → {"stats":{cpuUserMs,cpuSystemMs,rssBytes,heapUsedBytes,...}}
 *   stdin `gc`                  → a full GC first (when started with --expose-gc), then the stats
 *   SIGTERM                     → the stats with "final":true, then it drains and exits 0.
 */
import { buildBenchAxon, listenBenchAxon } from './benchAxon';
import { usage as benchUsage, scriptArgs } from './scriptArgs';

const HELP = `axonServer [options]

The miner axon for the axon benches (Capacity and a no-op TextToImage, hotkey ferdie,
validator alice registered).

Options:
  --host <addr>          interface to listen on (default 127.0.0.1)
  --port <n>             port (default 0: any free port)
  --verify-workers <n>   worker threads for signature checks and answer signatures (a CryptoPool
                         passed to buildMinerApp as crypto; default: env BENCH_VERIFY_WORKERS,
                         else none: all on the axon's thread)
  --exit-with-stdin      exit when stdin closes (so it dies with the process that spawned it)
`;

const SCRIPT = { name: 'axonServer', help: HELP };
const usage = (message: string) => benchUsage(SCRIPT, message);

function stats(final: boolean): string {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return JSON.stringify({
    stats: {
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      heapTotalBytes: mem.heapTotal,
      externalBytes: mem.external,
      arrayBuffersBytes: mem.arrayBuffers,
      uptimeS: process.uptime(),
      ...(final ? { final: true } : {}),
    },
  });
}

async function main(argv: string[]): Promise<number> {
  const parsed = scriptArgs(SCRIPT, argv, {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'verify-workers': { type: 'string', default: process.env.BENCH_VERIFY_WORKERS },
    'exit-with-stdin': { type: 'boolean', default: false },
  });
  if ('exit' in parsed) return parsed.exit;
  const { values } = parsed;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    return usage(`--port must be 0..65535, got '${values.port}'`);
  let verifyWorkers: number | undefined;
  if (typeof values['verify-workers'] === 'string' && values['verify-workers'] !== '') {
    verifyWorkers = Number(values['verify-workers']);
    if (!Number.isInteger(verifyWorkers) || verifyWorkers < 0 || verifyWorkers > 64)
      return usage(`--verify-workers must be 0..64, got '${values['verify-workers']}'`);
  }

  const axon = await buildBenchAxon(verifyWorkers === undefined ? {} : { verifyWorkers });
  const listening = await listenBenchAxon(axon, String(values.host), port);
  const say = (line: string) => process.stdout.write(`${line}\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say(stats(true));
    await axon.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGUSR2', () => say(stats(false)));
  let pending = '';
  process.stdin.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const command = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
      if (command === 'gc') (globalThis as { gc?: () => void }).gc?.();
      if (command === 'stats' || command === 'gc') say(stats(false));
    }
  });
  if (values['exit-with-stdin']) process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();

  say(
    JSON.stringify({
      ready: true,
      port: listening,
      pid: process.pid,
      hotkey: axon.hotkey.address,
      verifyWorkers: verifyWorkers ?? null,
      cryptoBackend: axon.cryptoBackend ?? null,
    }),
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`axonServer: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
