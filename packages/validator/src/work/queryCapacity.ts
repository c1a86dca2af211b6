/** Asking a miner what it serves this period (the Capacity synapse). */
import type { Dendrite } from '@subnet/protocol';
import { Capacity, type TaskCapacity, type TaskKind } from '@subnet/protocol/tasks';
import type { MinerTarget } from './queryMiner';

/** The miner's capacities per task kind, or undefined when it did not answer. */
export async function queryCapacity(
  dendrite: Dendrite,
  target: MinerTarget,
  options: { timeoutS?: number } = {},
): Promise<Partial<Record<TaskKind, TaskCapacity>> | undefined> {
  const synapse = await dendrite.call(
    target,
    Capacity,
    {},
    {
      ...(options.timeoutS !== undefined ? { timeout: options.timeoutS } : {}),
    },
  );
  if (synapse.dendrite.status_code !== 200) return undefined;
  return synapse.capacities ?? {};
}
