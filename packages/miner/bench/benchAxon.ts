/**
 * The miner axon the benches measure: the daemon's `buildMinerApp` with the dev hotkey `ferdie`,
 * a one-neuron metagraph (the validator `alice`, 1000 TAO, permit), TextToImage served by a
 * handler that does nothing, and Capacity (verified, answered from the served capacity, signed:
 * no task runs). Built from `buildMinerApp`'s public shape only, so it follows the axon's rework.
 */
import { CryptoPool, type Hotkey } from '@subnet/protocol';
import { TextToImage } from '@subnet/protocol/tasks';
import { devHotkey } from '@subnet/protocol/testing';
import pino from 'pino';
import { DEFAULT_ACCESS_POLICY } from '../src/axon/accessPolicy';
import { buildMinerApp, type MinerApp, type MinerAppDeps } from '../src/axon/buildMinerApp';
import { MetagraphHolder, metagraphView } from '../src/axon/metagraphView';
import { AXON_KEY, BENCH_CAPACITY, CALLER_KEY } from './benchFixtures';

export interface BenchAxonOptions {
  /**
   * Worker threads for the axon's signature checks and answer signatures: a `CryptoPool` of that
   * many threads passed to `buildMinerApp` as `crypto` (0 or unset: all on the axon's thread).
   */
  verifyWorkers?: number;
}

export interface BenchAxon {
  miner: MinerApp;
  hotkey: Hotkey;
  /** Which sr25519 build the pool's workers run, when there is a pool. */
  cryptoBackend: string | undefined;
  /** Drains the axon, then stops the pool's workers. */
  close(): Promise<void>;
}

export async function buildBenchAxon(o: BenchAxonOptions = {}): Promise<BenchAxon> {
  const hotkey = await devHotkey(AXON_KEY);
  const caller = await devHotkey(CALLER_KEY);
  const crypto =
    o.verifyWorkers !== undefined && o.verifyWorkers > 0
      ? new CryptoPool({ threads: o.verifyWorkers, signer: hotkey })
      : undefined;
  const deps: MinerAppDeps = {
    hotkey,
    metagraph: new MetagraphHolder(
      metagraphView(1, 1, [{ uid: 0, hotkey: caller.address, stake: 1000, validatorPermit: true }]),
    ),
    served: [{ def: TextToImage, handler: async () => ({}), capacity: BENCH_CAPACITY }],
    logger: pino({ level: 'silent' }),
    access: DEFAULT_ACCESS_POLICY,
    admission: { tasks: {}, defaultLimits: { concurrency: 1, queue: 0 }, perValidator: 1_000_000 },
  };
  if (crypto) deps.crypto = crypto;
  const miner = buildMinerApp(deps);
  return {
    miner,
    hotkey,
    cryptoBackend: crypto?.backend,
    close: async () => {
      await miner.drain();
      await crypto?.close();
    },
  };
}

/** Listens the axon and returns its port. */
export async function listenBenchAxon(axon: BenchAxon, host: string, port = 0): Promise<number> {
  await axon.miner.app.listen({ host, port });
  const address = axon.miner.app.server.address();
  if (address === null || typeof address === 'string')
    throw new Error(`the axon listens on '${String(address)}', not a TCP port`);
  return address.port;
}
