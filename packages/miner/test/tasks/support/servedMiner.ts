/**
 * A miner axon serving a set of task backends on loopback, as the task tests use it: signed by
 * ferdie, with alice as the one registered validator (permit and stake), generous admission
 * limits, the backends' metrics bound, and alice's dendrite to call it.
 */
import { Dendrite, type Hotkey } from '@subnet/protocol';
import { TASK_SYNAPSE_BY_KIND, type TaskKind } from '@subnet/protocol/tasks';
import { devHotkey } from '@subnet/protocol/testing';
import pino from 'pino';
import { DEFAULT_ACCESS_POLICY } from '../../../src/axon/accessPolicy';
import { buildMinerApp, type MinerApp, type ServedSynapse } from '../../../src/axon/buildMinerApp';
import { MetagraphHolder, metagraphView } from '../../../src/axon/metagraphView';
import type { TaskBackends } from '../../../src/tasks/buildTaskBackends';

export interface ServedMiner {
  miner: MinerApp;
  port: number;
  minerKey: Hotkey;
  /** The registered validator's key (alice) and its dendrite. */
  alice: Hotkey;
  dendrite: Dendrite;
  target(): { ip: string; port: number; hotkey: string };
  close(): Promise<void>;
}

export async function startServedMiner(tasks: TaskBackends): Promise<ServedMiner> {
  const minerKey = await devHotkey('ferdie');
  const alice = await devHotkey('alice');
  const served: ServedSynapse[] = Object.entries(tasks.backends).map(([kind, handler]) => ({
    def: TASK_SYNAPSE_BY_KIND[kind as TaskKind],
    handler,
    capacity: { volume: 1, models: [], loras: [] },
  }));
  const miner = buildMinerApp({
    hotkey: minerKey,
    metagraph: new MetagraphHolder(
      metagraphView(7, 1, [{ uid: 0, hotkey: alice.address, stake: 1000, validatorPermit: true }]),
    ),
    served,
    logger: pino({ level: 'silent' }),
    access: DEFAULT_ACCESS_POLICY,
    admission: { tasks: {}, defaultLimits: { concurrency: 2, queue: 8 }, perValidator: 16 },
  });
  tasks.bindMetrics(miner.metrics);
  await miner.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (miner.app.server.address() as { port: number }).port;
  const dendrite = new Dendrite({ hotkey: alice });
  return {
    miner,
    port,
    minerKey,
    alice,
    dendrite,
    target: () => ({ ip: '127.0.0.1', port, hotkey: minerKey.address }),
    async close() {
      await dendrite.close();
      await miner.app.close();
    },
  };
}
