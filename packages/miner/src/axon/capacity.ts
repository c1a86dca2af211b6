/**
 * Capacity: the volume of work this miner offers per task kind for a period, split among the
 * validators by stake, so that each validator sees the share it may use.
 */
import type { TaskCapacity } from '@subnet/protocol/tasks';
import type { MetagraphView } from './metagraphView';

export interface ServedTask {
  /** Units of work per period the whole miner offers (images, or tokens for LLM kinds). */
  volume: number;
  models: string[];
  loras: string[];
}

/**
 * The share of `volume` for `hotkey`: proportional to its stake among validators with a permit.
 * A caller outside that set (e.g. admitted by the allow-list) gets an equal share of one more.
 */
export function validatorShare(metagraph: MetagraphView, hotkey: string): number {
  const validators = metagraph.validators();
  const total = validators.reduce((s, v) => s + Math.max(0, v.stake), 0);
  const me = validators.find((v) => v.hotkey === hotkey);
  if (!me) return 1 / (validators.length + 1);
  if (total <= 0) return 1 / validators.length;
  return Math.max(0, me.stake) / total;
}

export function capacityFor(
  served: Readonly<Record<string, ServedTask>>,
  metagraph: MetagraphView,
  hotkey: string,
): Record<string, TaskCapacity> {
  const share = validatorShare(metagraph, hotkey);
  const out: Record<string, TaskCapacity> = {};
  for (const [task, s] of Object.entries(served)) {
    out[task] = {
      volume: Math.floor(s.volume * share * 1000) / 1000,
      models: [...s.models],
      loras: [...s.loras],
    };
  }
  return out;
}
