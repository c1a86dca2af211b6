/**
 * Who is a miner on the status page. Storage holds every uid of the metagraph, but three kinds of
 * neuron are not miners and are shown apart (never in the miner table, never counted as miners
 * that fail): this validator (our hotkey), the subnet owner (its hotkey, where the chain view has
 * it), and other validators: a neuron with a validator permit that never answered as a miner (no
 * 2xx result stored and no accepted Capacity answer). A permit holder that does answer work is a
 * miner. The first that applies wins: this validator, then the owner, then a validator.
 */
import type { NeuronView } from './statusSource';

export type NeuronRole = 'self' | 'owner' | 'validator';

/** What the page calls each role. */
export const ROLE_LABELS: Readonly<Record<NeuronRole, string>> = {
  self: 'this validator',
  owner: 'subnet owner',
  validator: 'validator',
};

/** Why a neuron has its role, in words. */
export const ROLE_REASONS: Readonly<Record<NeuronRole, string>> = {
  self: 'our hotkey',
  owner: "the subnet owner's hotkey",
  validator: 'validator permit, never answered as a miner',
};

export interface RoleFacts {
  selfHotkey: string;
  ownerHotkey?: string | undefined;
  /** The newest metagraph's neurons; without them only our hotkey and the owner's are known. */
  neurons?: readonly NeuronView[] | undefined;
  /** Uids that answered as miners. */
  answered: ReadonlySet<number>;
}

interface Uid {
  uid: number;
  hotkey: string;
}

function neuronOf(m: Uid, neurons: readonly NeuronView[] | undefined): NeuronView | undefined {
  return neurons?.find((n) => n.uid === m.uid && n.hotkey === m.hotkey);
}

/**
 * The uids whose answers decide their role: permit holders other than us and the owner (the only
 * ones storage is asked about).
 */
export function permitHolders(
  miners: readonly Uid[],
  facts: Omit<RoleFacts, 'answered'>,
): number[] {
  return miners
    .filter(
      (m) =>
        m.hotkey !== facts.selfHotkey &&
        m.hotkey !== facts.ownerHotkey &&
        neuronOf(m, facts.neurons)?.validatorPermit === true,
    )
    .map((m) => m.uid);
}

/** The uid's role when it is not a miner; undefined for a miner. */
export function roleOf(m: Uid, facts: RoleFacts): NeuronRole | undefined {
  if (m.hotkey === facts.selfHotkey) return 'self';
  if (facts.ownerHotkey !== undefined && m.hotkey === facts.ownerHotkey) return 'owner';
  const neuron = neuronOf(m, facts.neurons);
  if (neuron?.validatorPermit && !facts.answered.has(m.uid)) return 'validator';
  return undefined;
}
