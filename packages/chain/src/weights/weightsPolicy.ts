import type { ApiPromise } from '@polkadot/api';
import type { ApiDecoration } from '@polkadot/api/types';
import { maybeStorage } from '../client/pallet.js';
import type { RuntimeAdapter } from '../client/runtimeAdapter.js';
import { ChainError, ChainErrorCode } from '../errors.js';
import { netuidIndex } from './commitHash.js';

/**
 * How weights reach the chain:
 * - `set`: `set_weights` (commit-reveal off);
 * - `commit_hash`: `commit_weights(hash)` now, `reveal_weights` in the reveal epoch (old runtimes,
 *   and any runtime whose chain has no drand pulses);
 * - `commit_timelocked`: the weights encrypted to a future drand round; the chain decrypts and
 *   applies them itself when that round's pulse is stored (`commit_timelocked_weights` on spec
 *   4xx, `commit_crv3_weights` on spec 293). No reveal is sent.
 */
export type WeightsPath = 'set' | 'commit_hash' | 'commit_timelocked';

export const WEIGHTS_PATHS: readonly WeightsPath[] = ['set', 'commit_hash', 'commit_timelocked'];

/** The chain's largest timelocked commit (`MAX_CRV3_COMMIT_SIZE_BYTES`). */
export const MAX_TIMELOCKED_COMMIT_BYTES = 5000;

/** What the chain asks of a validator's weights on one subnet, read at one block. */
export interface WeightsPolicy {
  netuid: number;
  /** The path chosen (or the override, once checked against the runtime). */
  path: WeightsPath;
  /** Why this path, in words for the log. */
  reason: string;
  commitReveal: boolean;
  /** `CommitRevealWeightsVersion` where the runtime has it (4 on mainnet today). */
  commitRevealVersion: number | undefined;
  /** Which timelocked payload the runtime decodes: with the committer's hotkey (4xx) or without (293). */
  timelockedPayload: 'with_hotkey' | 'legacy' | undefined;
  revealPeriodEpochs: number;
  tempo: number;
  /** `WeightsSetRateLimit` in blocks (commits count against it too). */
  rateLimit: number;
  /** The smallest version key the subnet accepts (`WeightsVersionKey`). */
  versionKey: bigint;
  /** Weight vectors per subnet (`MechanismCountCurrent`; 1 where the runtime has no mechanisms). */
  mechanismCount: number;
  /** Each mechanism's emission share (u16 units summing to 65535), where the chain stores one. */
  mechanismSplit: number[] | undefined;
  /** The newest drand round the chain has stored; 0 when it has none (or no drand pallet). */
  drandLastRound: bigint;
  /** Epochs counted by `SubnetEpochIndex` (spec 4xx), or fixed by block number (older). */
  epochModel: 'stateful' | 'fixed';
}

type Api = ApiPromise | ApiDecoration<'promise'>;

async function read(api: Api, item: string, args: unknown[], pallet?: string): Promise<unknown> {
  const q = maybeStorage(api, item, pallet);
  if (!q) return undefined;
  return (await q(...args)).toJSON();
}

function asBigInt(v: unknown, fallback = 0n): bigint {
  if (v === null || v === undefined) return fallback;
  return BigInt(String(v));
}

/**
 * Reads the subnet's weight settings from the chain (one block, `at`) and picks the path the
 * chain asks for: `set` with commit-reveal off; timelocked commits where the runtime has them and
 * the chain stores drand pulses; hash commit/reveal otherwise. `override` forces a path (config),
 * refused with a clear error when the runtime or the subnet cannot take it.
 */
export async function readWeightsPolicy(
  api: ApiPromise,
  adapter: RuntimeAdapter,
  netuid: number,
  options: { at?: string; override?: WeightsPath } = {},
): Promise<WeightsPolicy> {
  const at: Api = options.at ? await api.at(options.at) : api;
  const [cr, version, period, tempo, rateLimit, versionKey, mechCount, split, drandRound] =
    await Promise.all([
      read(at, 'commitRevealWeightsEnabled', [netuid]),
      read(at, 'commitRevealWeightsVersion', []),
      read(at, 'revealPeriodEpochs', [netuid]),
      read(at, 'tempo', [netuid]),
      read(at, 'weightsSetRateLimit', [netuid]),
      read(at, 'weightsVersionKey', [netuid]),
      read(at, 'mechanismCountCurrent', [netuid]),
      read(at, 'mechanismEmissionSplit', [netuid]),
      read(at, 'lastStoredRound', [], 'drand'),
    ]);
  const calls = adapter.weightCalls;
  const commitReveal = Boolean(cr);
  const drandLastRound = asBigInt(drandRound);
  const base = {
    netuid,
    commitReveal,
    commitRevealVersion: version === undefined || version === null ? undefined : Number(version),
    timelockedPayload: calls.timelocked
      ? ('with_hotkey' as const)
      : calls.crv3
        ? ('legacy' as const)
        : undefined,
    revealPeriodEpochs: Number(period ?? 1),
    tempo: Number(tempo ?? 0),
    rateLimit: Number(rateLimit ?? 0),
    versionKey: asBigInt(versionKey),
    mechanismCount: Math.max(1, Number(mechCount ?? 1)),
    mechanismSplit: Array.isArray(split) && split.length > 0 ? split.map(Number) : undefined,
    drandLastRound,
    epochModel: maybeStorage(api, 'subnetEpochIndex') ? ('stateful' as const) : ('fixed' as const),
  };
  const timelockedCall = calls.timelocked || calls.crv3;
  const choose = (): { path: WeightsPath; reason: string } => {
    if (!commitReveal) return { path: 'set', reason: 'commit-reveal is off on this subnet' };
    if (timelockedCall && drandLastRound > 0n) {
      return {
        path: 'commit_timelocked',
        reason: `commit-reveal is on; timelocked commits to a drand round (chain at round ${drandLastRound})`,
      };
    }
    if (calls.hash) {
      return {
        path: 'commit_hash',
        reason: timelockedCall
          ? 'commit-reveal is on and the chain stores no drand pulses, so a timelocked commit could never be revealed: hash commit/reveal'
          : 'commit-reveal is on; this runtime has hash commit/reveal only',
      };
    }
    throw new ChainError(
      ChainErrorCode.Unsupported,
      `subnet ${netuid} has commit-reveal on, but this runtime has no hash commits and the chain stores no drand pulses for timelocked ones`,
    );
  };
  const chosen = options.override ? checkOverride(options.override) : choose();
  return { ...base, ...chosen };

  function checkOverride(path: WeightsPath): { path: WeightsPath; reason: string } {
    if (path === 'set' && commitReveal) {
      throw new ChainError(
        ChainErrorCode.CommitRevealMismatch,
        `weights path 'set' was configured, but subnet ${netuid} has commit-reveal on (the chain refuses set_weights with CommitRevealEnabled)`,
      );
    }
    if (path !== 'set' && !commitReveal) {
      throw new ChainError(
        ChainErrorCode.CommitRevealMismatch,
        `weights path '${path}' was configured, but subnet ${netuid} has commit-reveal off (the chain refuses commits with CommitRevealDisabled)`,
      );
    }
    if (path === 'commit_hash' && !calls.hash) {
      throw new ChainError(ChainErrorCode.Unsupported, 'this runtime has no hash commit/reveal');
    }
    if (path === 'commit_timelocked' && !timelockedCall) {
      throw new ChainError(ChainErrorCode.Unsupported, 'this runtime has no timelocked commits');
    }
    return { path, reason: `weights path '${path}' set in config` };
  }
}

/** `LastUpdate` of `uid` for the mechanism's storage index (0 when never set). */
export async function lastUpdateOf(
  api: Api,
  netuid: number,
  mecid: number,
  uid: number,
): Promise<number> {
  const q = maybeStorage(api, 'lastUpdate');
  if (!q) return 0;
  const row = (await q(netuidIndex(netuid, mecid))).toJSON() as number[] | null;
  return Number(row?.[uid] ?? 0);
}
