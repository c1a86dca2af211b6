/** Adapters from the chain package's types to what the axon uses. */
import type { KeyringPair, Metagraph } from '@subnet/chain';
import { raoToTaoNumber } from '@subnet/kit';
import { type Hotkey, hotkeyFromPair } from '@subnet/protocol';
import { type MetagraphView, metagraphView } from '../axon/metagraphView';

/** A chain keypair as the protocol's signing hotkey. */
export function hotkeyOfPair(pair: KeyringPair): Hotkey {
  // signs with the pair's secret in wasm: the axon signs every answer
  return hotkeyFromPair(pair);
}

/** The axon's view of a metagraph snapshot (stake in TAO). */
export function viewOfMetagraph(mg: Metagraph): MetagraphView {
  return metagraphView(
    mg.netuid,
    mg.block,
    mg.neurons.map((n) => ({
      uid: n.uid,
      hotkey: n.hotkey,
      stake: raoToTaoNumber(n.stake),
      validatorPermit: n.validatorPermit,
    })),
  );
}
