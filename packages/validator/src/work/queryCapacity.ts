/**
 * Asking a miner what it serves this period (the Capacity synapse), and bounding what it says.
 * The protocol's schema refuses malformed answers at parse time (the dendrite's 422 with the
 * reason); `boundCapacities` then caps each kind's volume by the validator's own maximum, so
 * no declared number reaches the plan unbounded.
 */
import type { Dendrite } from '@subnet/protocol';
import { Capacity, type TaskCapacity, type TaskKind } from '@subnet/protocol/tasks';
import type { MinerTarget } from './queryMiner';
import type { WorkSettings } from './workSettings';

export type Capacities = Partial<Record<TaskKind, TaskCapacity>>;

export type CapacityReply =
  | { ok: true; capacities: Capacities }
  | { ok: false; statusCode: number; reason: string };

const REASON_MAX_CHARS = 300;

/** The miner's capacities per task kind, or why there are none. Never throws for a peer. */
export async function queryCapacity(
  dendrite: Dendrite,
  target: MinerTarget,
  options: { timeoutS?: number; signal?: AbortSignal } = {},
): Promise<CapacityReply> {
  const synapse = await dendrite.call(
    target,
    Capacity,
    {},
    {
      ...(options.timeoutS !== undefined ? { timeout: options.timeoutS } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  const code = synapse.dendrite.status_code ?? 0;
  if (code !== 200) {
    const message = String(synapse.dendrite.status_message ?? 'no status message');
    return { ok: false, statusCode: code, reason: message.slice(0, REASON_MAX_CHARS) };
  }
  return { ok: true, capacities: synapse.capacities ?? {} };
}

export interface BoundedCapacity {
  /** Volume units planned per kind: declared, capped at the kind's maximum, times the test share. */
  volumes: Partial<Record<TaskKind, number>>;
  /** The model each kind is asked for (the first the miner offers). */
  models: Partial<Record<TaskKind, string>>;
  /** What was capped or refused, for the stored reason; empty when the answer was taken as is. */
  notes: string[];
}

/**
 * Caps a Capacity answer by the validator's settings. A volume that is not a finite number >= 0
 * (the schema refuses those, this holds at use too) counts as 0 with a note; one over the kind's
 * maximum is capped to it. `share(kind)` draws the share of the capped volume tested this period.
 */
export function boundCapacities(
  capacities: Capacities,
  settings: WorkSettings,
  share: (kind: TaskKind) => number = () => 1,
): BoundedCapacity {
  const volumes: Partial<Record<TaskKind, number>> = {};
  const models: Partial<Record<TaskKind, string>> = {};
  const notes: string[] = [];
  for (const [kind, capacity] of Object.entries(capacities) as [TaskKind, TaskCapacity][]) {
    const limits = settings.kinds[kind];
    if (!limits) continue;
    const declared = capacity?.volume;
    const model = capacity?.models?.[0];
    if (typeof declared !== 'number' || !Number.isFinite(declared) || declared < 0) {
      notes.push(`${kind}: volume ${String(declared)} refused`);
      continue;
    }
    if (typeof model !== 'string') continue;
    let volume = declared;
    if (volume > limits.maxVolume) {
      notes.push(`${kind}: volume ${declared} capped to ${limits.maxVolume}`);
      volume = limits.maxVolume;
    }
    const tested = Math.floor(volume * Math.min(1, Math.max(0, share(kind))));
    if (tested <= 0) continue;
    volumes[kind] = tested;
    models[kind] = model;
  }
  return { volumes, models, notes };
}

/**
 * Scales the miners' volumes down together so that the period plans at most `maxQueries`
 * queries (each kind's volume divided by its cost); returned unchanged when they fit.
 */
export function fitToBudget<T extends { volumes: Partial<Record<TaskKind, number>> }>(
  miners: readonly T[],
  settings: WorkSettings,
): T[] {
  let total = 0;
  for (const m of miners)
    for (const [kind, v] of Object.entries(m.volumes) as [TaskKind, number][])
      total += Math.floor(v / settings.kinds[kind].cost);
  if (total <= settings.maxQueries) return [...miners];
  const factor = settings.maxQueries / total;
  return miners.map((m) => ({
    ...m,
    volumes: Object.fromEntries(
      (Object.entries(m.volumes) as [TaskKind, number][]).map(([kind, v]) => {
        const cost = settings.kinds[kind].cost;
        return [kind, Math.floor(Math.floor(v / cost) * factor) * cost];
      }),
    ),
  }));
}
