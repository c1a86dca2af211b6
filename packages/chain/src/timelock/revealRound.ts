/**
 * Which drand round a timelocked weights commit should target, computed exactly as
 * `bittensor_drand.get_encrypted_commit_v2` (2.0.0, `src/epoch_schedule.rs` + `src/drand.rs`)
 * computes it, so that our commits reveal when the SDK's would.
 *
 * 1. The reveal block. The SDK simulates the chain's per-subnet epoch state machine
 *    (subtensor's `run_coinbase`): an epoch runs at block b when tempo > 0 and
 *      - an owner-triggered epoch is pending (`pendingEpochAt > 0 && b >= pendingEpochAt`), or
 *      - `blocksSinceLastStep > 50400` (MaxTempo safety net), or
 *      - `b - lastEpochBlock >= tempo`;
 *    running one sets `lastEpochBlock = b`, clears the pending trigger, bumps `subnetEpochIndex`
 *    and zeroes `blocksSinceLastStep` (which otherwise grows by one a block).
 *    The commit is assumed to land in block `currentBlock + 1`, after that block's epoch step:
 *    its epoch is the index at that block counting an epoch that runs there. The reveal block is
 *    the first block r >= currentBlock + 1 whose index (counting an epoch that runs at r, since
 *    reveals run before the epoch step) equals commit epoch + `revealPeriodEpochs`.
 *    The search gives up, as the SDK does, past `(revealPeriodEpochs + 1) · 50400` blocks.
 * 2. The round. `blocks = firstRevealBlock + 3 - currentBlock` (3 blocks of margin for the pulse
 *    to be ingested), then in f64 arithmetic:
 *      round = max(1, floor((nowS + blocks · blockTimeS - 1692803367) / 3))
 *    `nowS` is wall-clock time (the SDK reads the system clock inside the call); `blockTimeS` is
 *    the caller's estimate of seconds per block (the SDK passes 12). Note floor(...) is one round
 *    behind drand's own `roundAt` for the same instant: the round is the one *before* the pulse
 *    expected at the target time.
 *
 * Where the inputs come from: on spec 4xx runtimes, `SubtensorModule` storage at the head block
 * (`LastEpochBlock`, `PendingEpochAt`, `SubnetEpochIndex`, `Tempo`, `BlocksSinceLastStep`, all
 * keyed by netuid) and `RevealPeriodEpochs(netuid)`. Older runtimes lack the first three; see
 * `scheduleFromLegacyEpochs`.
 *
 * Deliberate differences from the SDK (inputs it accepts and we refuse, never the result for an
 * accepted input): non-integer or unsafe-integer fields, tempo above 65535, non-finite block time
 * or clock.
 */
import { ChainError, ChainErrorCode } from '../errors.js';
import { U64_MAX } from './bytes.js';
import { QUICKNET } from './drand.js';

/** The SDK's snapshot of a subnet's epoch state (bittensor `EpochScheduleState`), at one block. */
export interface EpochSchedule {
  /** `LastEpochBlock(netuid)`: block of the last epoch slot. */
  lastEpochBlock: number;
  /** `PendingEpochAt(netuid)`: block of an owner-triggered epoch, 0 for none. */
  pendingEpochAt: number;
  /** `SubnetEpochIndex(netuid)`: the subnet's epoch counter. */
  subnetEpochIndex: number;
  /** `Tempo(netuid)` (u16). */
  tempo: number;
  /** `BlocksSinceLastStep(netuid)`. */
  blocksSinceLastStep: number;
  /** The block the other fields were read at (the chain head). */
  currentBlock: number;
}

export interface RevealRoundInput {
  schedule: EpochSchedule;
  /** `RevealPeriodEpochs(netuid)` (the hyperparameter `commit_reveal_period`). */
  revealPeriodEpochs: number;
  /** Seconds per block (12 on mainnet). */
  blockTimeS: number;
  /** Unix time in seconds (fractional), i.e. `Date.now() / 1000` when the commit is built. */
  nowS: number;
}

export interface RevealTarget {
  revealRound: bigint;
  /** The first block at which the chain will try to reveal the commit. */
  firstRevealBlock: number;
}

/** `MAX_TEMPO` in subtensor / `bittensor_drand`: the safety net for `blocksSinceLastStep`. */
export const MAX_TEMPO = 50_400;
/** Blocks of margin between the reveal block and the block whose time picks the round. */
export const SECURITY_BLOCK_OFFSET = 3;
/** The commit is assumed to be included in the block after the head. */
export const COMMIT_INCLUSION_BLOCK_OFFSET = 1;

function invalid(message: string): never {
  throw new ChainError(ChainErrorCode.InvalidArgument, message);
}

function checkCount(name: string, n: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > max) {
    invalid(`${name} must be an integer in [0, ${max}], got ${n}`);
  }
}

function checkSchedule(s: EpochSchedule): void {
  checkCount('lastEpochBlock', s.lastEpochBlock);
  checkCount('pendingEpochAt', s.pendingEpochAt);
  checkCount('subnetEpochIndex', s.subnetEpochIndex);
  checkCount('tempo', s.tempo, 0xffff);
  checkCount('blocksSinceLastStep', s.blocksSinceLastStep);
  checkCount('currentBlock', s.currentBlock);
  if (s.tempo === 0) invalid('tempo is 0: the subnet runs no epochs, so a commit never reveals');
}

interface SimState {
  last: number;
  pending: number;
  index: number;
  sinceStep: number;
}

function shouldRunEpoch(s: SimState, tempo: number, block: number): boolean {
  if (s.pending > 0 && block >= s.pending) return true;
  if (s.sinceStep > MAX_TEMPO) return true;
  return Math.max(0, block - s.last) >= tempo;
}

/** Whether an epoch runs in `block` (`should_run_epoch`) under the stateful model. */
export function epochRunsAt(schedule: EpochSchedule, block: number): boolean {
  if (schedule.tempo <= 0) return false;
  return shouldRunEpoch(
    {
      last: schedule.lastEpochBlock,
      pending: schedule.pendingEpochAt,
      index: schedule.subnetEpochIndex,
      sinceStep: schedule.blocksSinceLastStep,
    },
    schedule.tempo,
    block,
  );
}

/**
 * The first block at which the chain tries to reveal a commit sent now (step 1 above).
 * Throws `CHAIN_INVALID_ARGUMENT` for tempo 0 and when the SDK's search bound is exceeded.
 */
export function predictFirstRevealBlock(
  schedule: EpochSchedule,
  revealPeriodEpochs: number,
): number {
  checkSchedule(schedule);
  checkCount('revealPeriodEpochs', revealPeriodEpochs);
  const { tempo } = schedule;
  const s: SimState = {
    last: schedule.lastEpochBlock,
    pending: schedule.pendingEpochAt,
    index: schedule.subnetEpochIndex,
    sinceStep: schedule.blocksSinceLastStep,
  };
  const extrinsicBlock = schedule.currentBlock + COMMIT_INCLUSION_BLOCK_OFFSET;
  const target = s.index + (shouldRunEpoch(s, tempo, extrinsicBlock) ? 1 : 0) + revealPeriodEpochs;
  const limit = extrinsicBlock + revealPeriodEpochs * MAX_TEMPO + MAX_TEMPO;
  const exceeded = (): never =>
    invalid(`no reveal block within ${limit - extrinsicBlock} blocks (the SDK's search bound)`);

  // Step block by block, as the SDK does, until the first epoch runs (at most ~50402 blocks)...
  for (let r = extrinsicBlock; r <= limit; r++) {
    if (s.index + (shouldRunEpoch(s, tempo, r) ? 1 : 0) === target) return r;
    s.sinceStep += 1;
    if (!shouldRunEpoch(s, tempo, r)) continue;
    s.last = r;
    s.pending = 0;
    s.index += 1;
    s.sinceStep = 0;
    // ...then the state is periodic: from a fresh epoch at block b with index i, the index seen
    // before the epoch step at block b + j (j >= 1) is i + floor((j - c) / d), where epochs run
    // every d = tempo blocks (c = 0) or, for tempo > 50401, every 50401 blocks through the safety
    // net, which the pre-step check sees one block late (c = 1).
    const [d, c] = tempo <= MAX_TEMPO + 1 ? [tempo, 0] : [MAX_TEMPO + 1, 1];
    const m = target - s.index;
    let j: number;
    if (m > 0) j = m * d + c;
    else if (m === 0 && 1 - c < d) j = 1;
    else return exceeded(); // the index has passed the target: the SDK searches to its bound
    return r + j <= limit ? r + j : exceeded();
  }
  return exceeded();
}

/** The drand round for a reveal at `firstRevealBlock` (step 2 above), with u64 saturation. */
export function revealRoundAt(input: {
  firstRevealBlock: number;
  currentBlock: number;
  blockTimeS: number;
  nowS: number;
}): bigint {
  if (!Number.isFinite(input.blockTimeS)) invalid(`blockTimeS must be finite: ${input.blockTimeS}`);
  if (!Number.isFinite(input.nowS)) invalid(`nowS must be finite: ${input.nowS}`);
  const blocks = Math.max(0, input.firstRevealBlock + SECURITY_BLOCK_OFFSET - input.currentBlock);
  const targetS = input.nowS + blocks * input.blockTimeS;
  const round = Math.floor((targetS - QUICKNET.genesisTime) / QUICKNET.periodS);
  if (!(round >= 1)) return 1n;
  if (round >= 2 ** 64) return U64_MAX;
  return BigInt(round);
}

/** The reveal block and drand round for a commit built at `nowS` against `schedule`. */
export function revealRoundFor(input: RevealRoundInput): RevealTarget {
  const first = predictFirstRevealBlock(input.schedule, input.revealPeriodEpochs);
  const revealRound = revealRoundAt({
    firstRevealBlock: first,
    currentBlock: input.schedule.currentBlock,
    blockTimeS: input.blockTimeS,
    nowS: input.nowS,
  });
  return { revealRound, firstRevealBlock: first };
}

/**
 * An `EpochSchedule` for runtimes without `LastEpochBlock` / `PendingEpochAt` /
 * `SubnetEpochIndex` (spec 218 and 293 among them), where epochs follow a fixed rule.
 *
 * The rule, as those runtimes' code has it (`blocks_until_next_epoch(..) == 0`): the epoch of
 * subnet `netuid` runs at the blocks b with `(b + netuid + 1) % (tempo + 1) == tempo`, i.e. every
 * `tempo + 1` blocks (their doc comment says `== 0`; the code and its own table say `== tempo`).
 * `get_epoch_index(b) = floor((b + netuid + 1) / (tempo + 1))` steps up the block after an epoch.
 * On those runtimes a CRv3 commit sent in block B is filed under `get_epoch_index(B)`, plus one if
 * B itself is an epoch block, and it is revealed only in the epoch block whose
 * `get_epoch_index + 1` equals that epoch + the reveal period; a commit whose pulse is not stored
 * by then is dropped.
 *
 * The schedule returned makes the SDK's model reproduce exactly that: tempo + 1 as its cadence,
 * the latest epoch block as `lastEpochBlock` (or, before the first one, that block as a pending
 * trigger), and `get_epoch_index(currentBlock + 1)` as the index. So `firstRevealBlock` is the
 * block where such a runtime reveals. (The round chosen 3 blocks after it is in the future at that
 * block: on those runtimes a real commit would be dropped, as an SDK-built one would. Offline
 * devnets store no pulses, so nothing is revealed there in any case.)
 *
 * Limits: tempo must be 1..50400 (the model's safety net would otherwise interfere).
 * `blocksSinceLastStep` is accepted for callers that read it anyway, and ignored: under the fixed
 * rule it follows from the block number.
 */
export function scheduleFromLegacyEpochs(input: {
  netuid: number;
  tempo: number;
  currentBlock: number;
  blocksSinceLastStep?: number;
}): EpochSchedule {
  const { netuid, tempo, currentBlock } = input;
  checkCount('netuid', netuid, 0xffff);
  checkCount('currentBlock', currentBlock);
  if (!Number.isInteger(tempo) || tempo < 1 || tempo > MAX_TEMPO) {
    invalid(`legacy tempo must be an integer in [1, ${MAX_TEMPO}], got ${tempo}`);
  }
  const cadence = tempo + 1;
  // Epoch blocks: (b + netuid + 2) % cadence === 0.
  const lastEpoch = currentBlock - ((currentBlock + netuid + 2) % cadence);
  const beforeFirst = lastEpoch < 0;
  const last = beforeFirst ? 0 : lastEpoch;
  return {
    lastEpochBlock: last,
    pendingEpochAt: beforeFirst ? lastEpoch + cadence : 0,
    subnetEpochIndex: Math.floor((currentBlock + 1 + netuid + 1) / cadence),
    tempo: cadence,
    blocksSinceLastStep: currentBlock - last,
    currentBlock,
  };
}
