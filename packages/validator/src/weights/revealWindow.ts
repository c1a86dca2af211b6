/**
 * Subtensor's epochs for commit-reveal: a commit made in epoch `e` may be revealed during epoch
 * `e + revealPeriodEpochs`. The chain's own `WeightCommits` entry is the authority at reveal
 * time; this estimate is what is stored with a commit before it is sent.
 */

/** The epoch index of `block` on subnet `netuid` (`get_epoch_index`). */
export function epochIndex(block: number, netuid: number, tempo: number): number {
  return Math.floor((block + netuid + 1) / (tempo + 1));
}

/** The first block of epoch `epoch` on subnet `netuid`. */
export function firstBlockOfEpoch(epoch: number, netuid: number, tempo: number): number {
  return Math.max(0, epoch * (tempo + 1) - netuid - 1);
}

/** The first block a commit included at `commitBlock` may be revealed at. */
export function firstRevealBlock(options: {
  commitBlock: number;
  netuid: number;
  tempo: number;
  revealPeriodEpochs: number;
}): number {
  const { commitBlock, netuid, tempo, revealPeriodEpochs } = options;
  const epoch = epochIndex(commitBlock, netuid, tempo) + Math.max(1, revealPeriodEpochs);
  return firstBlockOfEpoch(epoch, netuid, tempo);
}
