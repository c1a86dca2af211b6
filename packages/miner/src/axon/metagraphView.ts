/**
 * What the axon needs to know about the subnet's neurons, refreshed in the background from the
 * chain. A snapshot: the axon never waits on the chain while answering a request.
 */
export interface NeuronView {
  uid: number;
  hotkey: string;
  /** Stake in TAO. */
  stake: number;
  validatorPermit: boolean;
}

export interface MetagraphView {
  netuid: number;
  block: number;
  byHotkey(hotkey: string): NeuronView | undefined;
  /** Neurons with a validator permit. */
  validators(): readonly NeuronView[];
}

/** A snapshot view over a list of neurons. */
export function metagraphView(
  netuid: number,
  block: number,
  neurons: readonly NeuronView[],
): MetagraphView {
  const index = new Map(neurons.map((n) => [n.hotkey, n]));
  const validators = neurons.filter((n) => n.validatorPermit);
  return {
    netuid,
    block,
    byHotkey: (hotkey) => index.get(hotkey),
    validators: () => validators,
  };
}

/** A holder the daemon swaps new snapshots into; the axon reads the current one per request. */
export class MetagraphHolder {
  #current: MetagraphView;

  constructor(initial: MetagraphView) {
    this.#current = initial;
  }

  get current(): MetagraphView {
    return this.#current;
  }

  update(next: MetagraphView): void {
    this.#current = next;
  }
}
