/**
 * A subnet's metagraph read by the validator's two paths on the spec-293 runtime, against the
 * reference Python SDK's own metagraph sync of the same chain, the three taking turns (row.ts
 * `interleavedAll`, one warm-up each): milliseconds per sync of every neuron of one subnet at
 * the head.
 * - storage: `metagraphFromStorage` (SubnetworkN, Keys, then Owner / TotalHotkeyAlpha / Axons
 *   multi-reads and the per-subnet vectors);
 * - runtime API: `metagraphFromRuntimeApi` (NeuronInfoRuntimeApi.get_neurons_lite, then a
 *   TotalHotkeyAlpha multi-read);
 * - reference: bittensor 10.5 `Metagraph.sync(lite=True)` (bench/sdk_metagraph_sync.py), through
 *   the test-only RPC normalizer that chopsticks needs for the SDK's `state_call`s.
 * ChainClient's default (`source: 'auto'`) is the faster of our two paths by these figures (see
 * ChainClient.metagraph); the bench prints which one is the default and which was faster.
 *
 * The chain is the real runtime in chopsticks (startDevnet), filled by `populateSubnet`: real
 * registrations, stakes, weights and an epoch, so every field holds distinct values. A new block
 * is built before each sync (not timed), so that every sync reads a head nobody has read yet, as a
 * validator's sync does (@polkadot/api answers repeated queries at one block hash from a cache).
 * Before timing, the two paths must agree neuron by neuron at one head and the SDK must read the
 * same hotkeys, or the bench fails.
 * Without the venv (`./dev setup`) the reference is left out and says why.
 *
 *   pnpm --filter @subnet/chain bench      (BENCH_NEURONS=256 BENCH_ROUNDS=7)
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { pino } from 'pino';
import { emitRow, interleavedAll, medianOf } from '../../../scripts/bench/row';
import { ChainClient } from '../src/client/chainClient';
import { type Devnet, startDevnet } from '../src/devnet/index';
import type { Metagraph } from '../src/metagraph';
import { populateSubnet, type RpcNormalizer, startRpcNormalizer } from '../src/testing/index';

const here = dirname(fileURLToPath(import.meta.url));
const python = join(here, '../../..', '.venv/bin/python');
const NEURONS = Number(process.env.BENCH_NEURONS ?? 256);
const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 7));
const log = pino({ name: 'bench', level: process.env.LOG_LEVEL ?? 'info' });

interface SdkSync {
  ms: number;
  n: number;
  block: number;
  hotkeys: string[];
}

/** The SDK script, kept running: one JSON line when ready, then one per line we write. */
function startSdk(endpoint: string, netuid: number) {
  const child: ChildProcess = spawn(
    python,
    [join(here, 'sdk_metagraph_sync.py'), endpoint, String(netuid)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  let ended: Error | undefined;
  child.on('exit', (code, signal) => {
    ended = new Error(`the SDK script exited (${signal ?? `code ${code}`}):\n${stderr.trim()}`);
    for (const w of waiting.splice(0)) w.reject(ended);
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    waiting.shift()?.resolve(JSON.parse(line));
  });
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      if (ended) reject(ended);
      else waiting.push({ resolve: resolve as (v: unknown) => void, reject });
    });
  return {
    ready: next<{ ready: true; sdk: string }>(),
    sync(): Promise<SdkSync> {
      const answer = next<SdkSync>();
      child.stdin?.write('sync\n');
      return answer;
    },
    close(): Promise<void> {
      if (ended) return Promise.resolve();
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.stdin?.end();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      return exited.finally(() => clearTimeout(kill));
    },
  };
}

function summary(samples: readonly number[]): string {
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  return `min ${min.toFixed(1)}  median ${medianOf(samples).toFixed(1)}  max ${max.toFixed(1)} ms`;
}

let devnet: Devnet | undefined;
let client: ChainClient | undefined;
let normalizer: RpcNormalizer | undefined;
let sdk: ReturnType<typeof startSdk> | undefined;

async function cleanUp(): Promise<void> {
  await sdk?.close().catch(() => undefined);
  await normalizer?.close().catch(() => undefined);
  await client?.close().catch(() => undefined);
  await devnet?.close().catch(() => undefined);
  // chopsticks keeps one wasm executor thread per process, which outlives its chains and would
  // keep this process alive: the devnet is closed, so end it too. (Imported here, after
  // startDevnet loaded chopsticks with its log level: its loggers read LOG_LEVEL once.)
  const { destroyWorker } = await import('@acala-network/chopsticks');
  await destroyWorker().catch(() => undefined);
}
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(code));
  });
}

try {
  const started = performance.now();
  devnet = await startDevnet({ runtime: 'spec293', logger: log });
  const { netuid } = devnet;
  const filled = await populateSubnet(devnet, { neurons: NEURONS, logger: log });
  console.log(
    `metagraph bench: spec ${devnet.specVersion}, subnet ${netuid}: ${NEURONS} neurons ` +
      `(MaxAllowedUids ${filled.maxAllowedUids}), ${filled.validators.length} validators, ` +
      `head ${filled.block}; set up in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  client = await ChainClient.connect({ network: devnet.endpoint, logger: log });
  const c = client;

  const read = async (source: 'storage' | 'runtime'): Promise<Metagraph> => {
    const mg = await c.metagraph(netuid, { source });
    if (mg.n !== NEURONS || mg.source !== source) {
      throw new Error(`${source} path read ${mg.n} neurons from ${mg.source}`);
    }
    return mg;
  };
  const fromStorage = await read('storage');
  const fromRuntime = await read('runtime');
  if (
    fromStorage.blockHash !== fromRuntime.blockHash ||
    !isDeepStrictEqual(fromStorage.neurons, fromRuntime.neurons)
  ) {
    throw new Error('the storage and runtime API paths read different metagraphs');
  }

  let reference: { label: string; note: string } | undefined;
  let missing = '';
  if (existsSync(python)) {
    normalizer = await startRpcNormalizer({ target: devnet.endpoint });
    sdk = startSdk(normalizer.endpoint, netuid);
    const { sdk: version } = await sdk.ready;
    const first = await sdk.sync();
    if (
      first.n !== NEURONS ||
      !isDeepStrictEqual(
        first.hotkeys,
        fromStorage.neurons.map((n) => n.hotkey),
      )
    ) {
      throw new Error(`the SDK read ${first.n} neurons, not the hotkeys we read`);
    }
    reference = {
      label: `bittensor ${version} Metagraph.sync(lite=True)`,
      note:
        'reference through the RPC normalizer, without _apply_extra_info (it fails in the SDK on ' +
        'spec 293); ',
    };
  } else {
    missing = `reference left out: ${python} is missing (./dev setup); `;
  }

  // Every sync reads a head no one has read yet, as a validator's does: @polkadot/api keeps the
  // answers of queries at a block hash (30 s), so repeated reads of one head would time a cache.
  const chain = devnet;
  const atNewHead = (fn: () => Promise<number>) => async () => {
    await chain.newBlocks(1);
    return fn();
  };
  const timed = (fn: () => Promise<unknown>) => async () => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  const contenders: Record<string, () => Promise<number>> = {
    storage: atNewHead(timed(() => read('storage'))),
    runtime: atNewHead(timed(() => read('runtime'))),
  };
  const reader = sdk;
  if (reader) contenders.sdk = atNewHead(async () => (await reader.sync()).ms);
  const samples = await interleavedAll(ROUNDS, contenders);
  const storage = samples.storage ?? [];
  const runtime = samples.runtime ?? [];
  const sdkSamples = samples.sdk;

  const faster = medianOf(runtime) <= medianOf(storage) ? 'runtime' : 'storage';
  const chosen = (await c.metagraph(netuid)).source;
  console.log(`metagraph bench, ${NEURONS} neurons, ${ROUNDS} rounds (warm):`);
  console.log(`  storage      ${summary(storage)}`);
  console.log(`  runtime API  ${summary(runtime)}`);
  if (sdkSamples) console.log(`  SDK sync     ${summary(sdkSamples)}`);
  console.log(`  faster of ours by median: ${faster}; ChainClient's default: ${chosen}`);
  if (faster !== chosen) {
    console.log('  the default is not the faster path in this run: see ChainClient.metagraph');
  }

  const note =
    `${reference?.note ?? missing}SDK timed inside Python; spec 293 in chopsticks. No goal: ` +
    `the faster of our two paths is the default (default ${chosen}, faster in this run ${faster})`;
  for (const [name, ours] of [
    ['storage', storage],
    ['runtime API', runtime],
  ] as const) {
    emitRow({
      group: 'metagraph',
      path: `sync ${NEURONS} neurons (${name})`,
      unit: 'ms',
      higherIsBetter: false,
      ours: { label: `ours: ${name}`, samples: ours },
      reference: reference && sdkSamples ? { label: reference.label, samples: sdkSamples } : null,
      note,
    });
  }
} finally {
  await cleanUp();
}
