/**
 * Task seeds. A validator chooses every seed of its synthetic tasks itself, from a range tied to
 * its uid: the seed's low 12 bits are the validator's uid, the high 20 bits are drawn.
 *
 *   seed = draw20 * SEED_UID_SLOTS + validatorUid      (0 <= draw20 < 2^20, uid < 4096)
 *
 * So `seedOwner(seed)` names the validator a seed belongs to. A miner handed a task by validator A
 * cannot get it answered through validator B's organic API under A's seed (B re-seeds organic
 * work into its own range and refuses seeds it does not own), and a task relayed between
 * validators is recognisable by its seed. The whole synthetic task (prompt, images, settings) is
 * drawn from the seed, so a task is reproducible from its seed alone (see syntheticTasks.ts).
 *
 * 2^20 seeds per validator: draws repeat after about a thousand tasks by the birthday bound, and a
 * repeated seed repeats the whole task; the daemon draws from a counter through `taskSeedAt`,
 * which visits every seed of the range once before repeating.
 */
import { SEED_MAX } from '@subnet/protocol/tasks';
import { WorkError, WorkErrorCode } from './errors';

/** Uids a seed can name: the subnet's largest uid count. */
export const SEED_UID_SLOTS = 4096;
/** Seeds per validator. */
export const SEEDS_PER_VALIDATOR = (SEED_MAX + 1) / SEED_UID_SLOTS;

function checkUid(uid: number): void {
  if (!Number.isInteger(uid) || uid < 0 || uid >= SEED_UID_SLOTS) {
    throw new WorkError(
      WorkErrorCode.InvalidArgument,
      `validator uid must be an integer in [0, ${SEED_UID_SLOTS}); got ${uid}`,
    );
  }
}

/** The seed with the given 20-bit draw for this validator (the draw is reduced mod 2^20). */
export function taskSeed(validatorUid: number, draw: number): number {
  checkUid(validatorUid);
  if (!Number.isSafeInteger(draw) || draw < 0) {
    throw new WorkError(WorkErrorCode.InvalidArgument, `draw must be a non-negative integer`);
  }
  return (draw % SEEDS_PER_VALIDATOR) * SEED_UID_SLOTS + validatorUid;
}

/**
 * The `index`-th seed of this validator in a fixed order that visits all 2^20 seeds of its range
 * before repeating: an odd multiplier and an offset mod 2^20 (a bijection) scatter the counter.
 */
export function taskSeedAt(validatorUid: number, index: number): number {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new WorkError(WorkErrorCode.InvalidArgument, `index must be a non-negative integer`);
  }
  const mixed = Number((BigInt(index) * 0x9e37bn + 0x5a3cdn) % BigInt(SEEDS_PER_VALIDATOR));
  return taskSeed(validatorUid, mixed);
}

/** The uid of the validator whose range holds this seed. */
export function seedOwner(seed: number): number {
  return seed % SEED_UID_SLOTS;
}

export function isOwnSeed(seed: number, validatorUid: number): boolean {
  return (
    Number.isInteger(seed) && seed >= 0 && seed <= SEED_MAX && seedOwner(seed) === validatorUid
  );
}
