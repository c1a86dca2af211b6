import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { DispatchError, EventRecord } from '@polkadot/types/interfaces';
import { decodeDispatchError } from '../client/dispatchError.js';
import { isEvent } from '../client/pallet.js';
import { ChainError, ChainErrorCode } from '../errors.js';

/**
 * Subnet hyperparameters that sudo (AdminUtils) can set, by the names the SDK and btcli use.
 * Values are plain numbers/booleans; u64 rate limits fit in a JS number.
 */
export interface SudoSubnetParams {
  tempo?: number;
  weightsSetRateLimit?: number;
  commitRevealWeightsEnabled?: boolean;
  /** Reveal period in epochs (`commit_reveal_weights_interval`). */
  commitRevealPeriod?: number;
  minAllowedWeights?: number;
  /** u16 (65535 = no limit). */
  maxWeightLimit?: number;
  servingRateLimit?: number;
  weightsVersionKey?: number;
  maxAllowedValidators?: number;
  maxRegistrationsPerBlock?: number;
  targetRegistrationsPerInterval?: number;
  immunityPeriod?: number;
  activityCutoff?: number;
  minBurn?: bigint;
  maxBurn?: bigint;
  maxAllowedUids?: number;
}

/** Chain-wide limits that sudo can relax. */
export interface SudoGlobalParams {
  networkRateLimit?: number;
  txRateLimit?: number;
  /** Stake a hotkey needs to set weights (`WeightsMinStake`, `StakeThreshold` from spec 2xx on). */
  weightsMinStake?: bigint;
}

/** An AdminUtils call by name, or its names across runtimes (the first the runtime has wins). */
type CallName = string | readonly string[];

const SUBNET_CALLS: Record<keyof SudoSubnetParams, CallName> = {
  tempo: 'sudoSetTempo',
  weightsSetRateLimit: 'sudoSetWeightsSetRateLimit',
  commitRevealWeightsEnabled: 'sudoSetCommitRevealWeightsEnabled',
  commitRevealPeriod: 'sudoSetCommitRevealWeightsInterval',
  minAllowedWeights: 'sudoSetMinAllowedWeights',
  maxWeightLimit: 'sudoSetMaxWeightLimit',
  servingRateLimit: 'sudoSetServingRateLimit',
  weightsVersionKey: 'sudoSetWeightsVersionKey',
  maxAllowedValidators: 'sudoSetMaxAllowedValidators',
  maxRegistrationsPerBlock: 'sudoSetMaxRegistrationsPerBlock',
  targetRegistrationsPerInterval: 'sudoSetTargetRegistrationsPerInterval',
  immunityPeriod: 'sudoSetImmunityPeriod',
  activityCutoff: 'sudoSetActivityCutoff',
  minBurn: 'sudoSetMinBurn',
  maxBurn: 'sudoSetMaxBurn',
  maxAllowedUids: 'sudoSetMaxAllowedUids',
};

const GLOBAL_CALLS: Record<keyof SudoGlobalParams, CallName> = {
  networkRateLimit: 'sudoSetNetworkRateLimit',
  txRateLimit: 'sudoSetTxRateLimit',
  // spec 218: sudo_set_weights_min_stake; spec 293: sudo_set_stake_threshold (same storage role).
  weightsMinStake: ['sudoSetWeightsMinStake', 'sudoSetStakeThreshold'],
};

type CallFn = (...args: unknown[]) => SubmittableExtrinsic<'promise'>;

function adminCall(api: ApiPromise, name: CallName): CallFn {
  const names = typeof name === 'string' ? [name] : name;
  const calls = api.tx.adminUtils as unknown as Record<string, CallFn | undefined>;
  for (const n of names) {
    const fn = calls[n];
    if (fn) return fn;
  }
  throw new ChainError(
    ChainErrorCode.Unsupported,
    `this runtime has no AdminUtils.${names.join(' or AdminUtils.')}`,
  );
}

/** The AdminUtils calls that set `params` (root origin needed: wrap them with `sudoBatch`). */
export function sudoParamCalls(
  api: ApiPromise,
  netuid: number | undefined,
  params: SudoSubnetParams & SudoGlobalParams,
): SubmittableExtrinsic<'promise'>[] {
  const calls: SubmittableExtrinsic<'promise'>[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const subnetCall = SUBNET_CALLS[key as keyof SudoSubnetParams];
    const globalCall = GLOBAL_CALLS[key as keyof SudoGlobalParams];
    if (subnetCall) {
      if (netuid === undefined) {
        throw new ChainError(ChainErrorCode.InvalidArgument, `${key} needs a netuid`);
      }
      calls.push(adminCall(api, subnetCall)(netuid, value));
    } else if (globalCall) {
      calls.push(adminCall(api, globalCall)(value));
    } else {
      throw new ChainError(ChainErrorCode.InvalidArgument, `unknown sudo parameter ${key}`);
    }
  }
  return calls;
}

/** `sudo(utility.batchAll(calls))`: all of them in one extrinsic, all or none. */
export function sudoBatch(
  api: ApiPromise,
  calls: SubmittableExtrinsic<'promise'>[],
): SubmittableExtrinsic<'promise'> {
  const inner = calls.length === 1 ? calls[0] : api.tx.utility.batchAll(calls);
  return api.tx.sudo.sudo(inner as SubmittableExtrinsic<'promise'>);
}

/** Throws the inner dispatch error of a `Sudo.Sudid` event, which `ExtrinsicFailed` does not carry. */
export function checkSudid(api: ApiPromise, events: EventRecord[]): void {
  for (const { event } of events) {
    if (isEvent(api, event, 'Sudid', 'sudo')) {
      const result = event.data[0] as unknown as {
        isErr: boolean;
        asErr: DispatchError;
      };
      if (result.isErr) throw decodeDispatchError(api, result.asErr);
    }
  }
}
