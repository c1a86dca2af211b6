/**
 * The subnet's epochs as the runtime counts them, for the reveal windows of hash commits.
 *
 * - Fixed epochs (spec 218 and 293): epoch `e` of subnet `netuid` spans the blocks with
 *   `floor((block + netuid + 1) / (tempo + 1)) == e`; a commit made in epoch `e` may be revealed
 *   in epoch `e + reveal_period` (the chain stores the first and last reveal blocks with it).
 * - Stateful epochs (spec 4xx): `SubnetEpochIndex` counts epochs as they run (every `tempo`
 *   blocks after `LastEpochBlock`, or at an owner-triggered `PendingEpochAt`); a commit is tagged
 *   with `current_epoch_with_lookahead` and revealed when that value equals its tag plus the
 *   reveal period. Future epoch starts can only be estimated.
 */
import { type EpochSchedule, epochRunsAt } from '../timelock/index.js';

/** The epoch index of `block` on subnet `netuid` under fixed epochs. */
export function epochIndex(block: number, netuid: number, tempo: number): number {
  return Math.floor((block + netuid + 1) / (tempo + 1));
}

/** The first block of epoch `epoch` on subnet `netuid` under fixed epochs. */
export function firstBlockOfEpoch(epoch: number, netuid: number, tempo: number): number {
  return Math.max(0, epoch * (tempo + 1) - netuid - 1);
}

/** The first block a hash commit included at `commitBlock` may be revealed at (fixed epochs). */
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

/** The epoch a commit or reveal in `block` belongs to (`current_epoch_with_lookahead`). */
export function lookaheadEpoch(s: EpochSchedule, block: number): number {
  return s.subnetEpochIndex + (epochRunsAt(s, block) ? 1 : 0);
}
