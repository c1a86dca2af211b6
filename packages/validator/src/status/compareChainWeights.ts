/**
 * The chain's view of our weights next to what we stored: every weights extrinsic (set, commit,
 * reveal) moves our uid's `LastUpdate` to its block, which the metagraph carries. So the newest
 * metagraph says at which block the chain last took weights from us, and whether that is the
 * newest setting stored here (it matches), a later one (the chain revealed a timelocked commit
 * itself, or something else set weights with this hotkey), or an earlier one (the chain does not
 * show the newest stored setting).
 */
import type { WeightsStatus } from './readStatus';
import type { NeuronView } from './statusSource';

export type ChainAgreement =
  | 'matches'
  | 'chain_newer'
  | 'chain_older'
  | 'nothing_stored'
  | 'unknown';

export interface ChainWeightsStatus {
  /** Our uid's `LastUpdate` in the newest metagraph; null without one (or without us in it). */
  lastUpdate: number | null;
  /** Blocks from it to the newest metagraph's block. */
  blocksAgo: number | null;
  agreement: ChainAgreement;
  /** The comparison in words. */
  text: string;
}

export interface CompareOptions {
  neurons?: readonly NeuronView[] | undefined;
  self: { hotkey: string; uid: number | undefined };
  /** The newest metagraph's block. */
  block: number | null;
  /** Our newest setting that reached the chain. */
  current: WeightsStatus | null;
}

export function compareChainWeights(o: CompareOptions): ChainWeightsStatus {
  const unknown = (text: string): ChainWeightsStatus => ({
    lastUpdate: null,
    blocksAgo: null,
    agreement: 'unknown',
    text,
  });
  if (!o.neurons) return unknown('not read yet: no metagraph');
  const self = o.neurons.find((n) => n.hotkey === o.self.hotkey);
  if (!self) return unknown('our hotkey is not in the newest metagraph');
  const lastUpdate = self.lastUpdate;
  const seen = {
    lastUpdate,
    blocksAgo: o.block === null ? null : Math.max(0, o.block - lastUpdate),
  };
  const at = `block ${lastUpdate}`;
  const { current } = o;
  if (!current) {
    return {
      ...seen,
      agreement: 'nothing_stored',
      text: `the chain last took weights from our uid (or registered it) at ${at}; none are stored here`,
    };
  }
  const blocks = [current.block, current.revealedBlock].filter((b): b is number => b !== null);
  if (blocks.length === 0) {
    return {
      ...seen,
      agreement: 'unknown',
      text: `our newest weights were sent and their block is still being read from the chain; the chain's last update of our uid is ${at}`,
    };
  }
  const newest = Math.max(...blocks);
  if (blocks.includes(lastUpdate)) {
    const what =
      lastUpdate === current.revealedBlock
        ? 'revealed'
        : current.path === 'set'
          ? 'set'
          : current.path === 'commit_timelocked'
            ? 'committed (timelocked)'
            : 'committed';
    return {
      ...seen,
      agreement: 'matches',
      text: `matches: the chain last took weights from us at ${at}, where our newest weights were ${what}`,
    };
  }
  if (lastUpdate > newest) {
    const why =
      current.state === 'timelocked'
        ? 'the chain revealing our timelocked commit, or weights set elsewhere with this hotkey'
        : 'weights set elsewhere with this hotkey';
    return {
      ...seen,
      agreement: 'chain_newer',
      text: `the chain last took weights from us at ${at}, after our newest stored weights (block ${newest}): ${why}`,
    };
  }
  return {
    ...seen,
    agreement: 'chain_older',
    text: `the chain last took weights from us at ${at}, before our newest stored weights (block ${newest}): the chain does not show them`,
  };
}
