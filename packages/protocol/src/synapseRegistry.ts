import type { SynapseDef } from './synapse';

/** The synapses one axon serves, by route name. */
export type SynapseRegistry = ReadonlyMap<string, SynapseDef>;

export function synapseRegistry(defs: readonly SynapseDef[]): SynapseRegistry {
  const map = new Map<string, SynapseDef>();
  for (const def of defs) {
    if (map.has(def.name)) throw new TypeError(`synapse '${def.name}' is registered twice`);
    map.set(def.name, def);
  }
  return map;
}
