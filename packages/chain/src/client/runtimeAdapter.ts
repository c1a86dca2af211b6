import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { ChainError, ChainErrorCode } from '../errors.js';
import { type CallFn, call as callOrThrow, maybeCall } from './pallet.js';

type Tx = SubmittableExtrinsic<'promise'>;

/**
 * The runtime differences this package knows about, decided once from the connected runtime's
 * metadata (never from version numbers), so that daemons never branch on versions.
 * - spec 218 (the devnet): `register_network(hotkey, mechid)`, runtime APIs return SCALE bytes,
 *   no `start_call`, `Weights`/`LastUpdate` keyed by netuid.
 * - spec 293: `register_network(hotkey)`, `start_call`, typed runtime APIs, CRv3
 *   `commit_crv3_weights` (timelocked to a drand round, payload without the hotkey).
 * - mainnet (spec 4xx): `commit_timelocked_weights` with a `commit_reveal_version`, mechanisms,
 *   weights keyed by the netuid storage index (`mecid * 4096 + netuid`, the same for mechanism 0).
 */
export interface RuntimeAdapter {
  readonly specName: string;
  readonly specVersion: number;
  /** `start_call(netuid)` exists (subnets must be started before emissions). */
  readonly hasStartCall: boolean;
  /** How `NeuronInfoRuntimeApi.get_neurons_lite` answers: typed, SCALE bytes, or not at all. */
  readonly neuronsLite: 'typed' | 'bytes' | 'none';
  /** Mechanism-aware calls (`set_mechanism_weights` etc.) exist. */
  readonly hasMechanisms: boolean;
  /**
   * The weight calls the runtime has: plain `set_weights`, hash `commit_weights`/`reveal_weights`,
   * CRv3 `commit_crv3_weights(netuid, commit, reveal_round)` (spec 293), and
   * `commit_timelocked_weights(netuid, commit, reveal_round, commit_reveal_version)` (spec 4xx).
   */
  readonly weightCalls: { set: boolean; hash: boolean; crv3: boolean; timelocked: boolean };
  /** `register_network`; `mechid` only where the runtime still takes one (default 1, dynamic). */
  registerNetwork(hotkey: string, mechid?: number): Tx;
  setWeights(a: {
    netuid: number;
    mecid?: number;
    uids: number[];
    values: number[];
    versionKey: bigint;
  }): Tx;
  commitWeights(a: { netuid: number; mecid?: number; hash: string }): Tx;
  revealWeights(a: {
    netuid: number;
    mecid?: number;
    uids: number[];
    values: number[];
    salt: number[];
    versionKey: bigint;
  }): Tx;
  /**
   * A timelocked commit: `commit_timelocked(_mechanism)_weights` with the chain's
   * `commit_reveal_version` where the runtime has it, else `commit_crv3(_mechanism)_weights`.
   */
  timelockedCommit(a: {
    netuid: number;
    mecid?: number;
    /** The ciphertext, hex (a `Uint8Array` would be read as length-prefixed SCALE `Bytes`). */
    commit: `0x${string}`;
    revealRound: bigint;
    /** Required by `commit_timelocked_weights`; ignored by CRv3. */
    commitRevealVersion?: number;
  }): Tx;
}

function call(api: ApiPromise, pallet: string, name: string): CallFn | undefined {
  return maybeCall(api, name, pallet);
}

function need(api: ApiPromise, pallet: string, name: string): CallFn {
  return callOrThrow(api, name, pallet);
}

export function runtimeAdapter(api: ApiPromise): RuntimeAdapter {
  const sm = 'subtensorModule';
  const registerNetwork = need(api, sm, 'registerNetwork');
  const registerTakesMechid = registerNetwork.meta.args.length > 1;
  const setMechanismWeights = call(api, sm, 'setMechanismWeights');
  const commitMechanismWeights = call(api, sm, 'commitMechanismWeights');
  const revealMechanismWeights = call(api, sm, 'revealMechanismWeights');
  const hasMechanisms = Boolean(
    setMechanismWeights && commitMechanismWeights && revealMechanismWeights,
  );

  const commitCrv3 = call(api, sm, 'commitCrv3Weights');
  const commitCrv3Mechanism = call(api, sm, 'commitCrv3MechanismWeights');
  const commitTimelocked = call(api, sm, 'commitTimelockedWeights');
  const commitTimelockedMechanism = call(api, sm, 'commitTimelockedMechanismWeights');

  let neuronsLite: RuntimeAdapter['neuronsLite'] = 'none';
  const apis = (api.call as unknown as Record<string, Record<string, unknown> | undefined>)
    .neuronInfoRuntimeApi;
  if (apis?.getNeuronsLite) {
    const meta = (apis.getNeuronsLite as { meta?: { type?: { toString(): string } } }).meta;
    const out = meta?.type?.toString() ?? '';
    neuronsLite = out === 'Bytes' || out === 'Vec<u8>' ? 'bytes' : 'typed';
  }

  const mecOr = (mecid: number | undefined, what: string) => {
    if ((mecid ?? 0) !== 0 && !hasMechanisms) {
      throw new ChainError(ChainErrorCode.Unsupported, `${what}: this runtime has no mechanisms`);
    }
    return (mecid ?? 0) !== 0;
  };

  return {
    specName: api.runtimeVersion.specName.toString(),
    specVersion: api.runtimeVersion.specVersion.toNumber(),
    hasStartCall: Boolean(call(api, sm, 'startCall')),
    neuronsLite,
    hasMechanisms,
    weightCalls: {
      set: Boolean(call(api, sm, 'setWeights')),
      hash: Boolean(call(api, sm, 'commitWeights') && call(api, sm, 'revealWeights')),
      crv3: Boolean(commitCrv3),
      timelocked: Boolean(commitTimelocked),
    },
    registerNetwork: (hotkey, mechid = 1) =>
      registerTakesMechid ? registerNetwork(hotkey, mechid) : registerNetwork(hotkey),
    setWeights: ({ netuid, mecid, uids, values, versionKey }) =>
      mecOr(mecid, 'set_weights') && setMechanismWeights
        ? setMechanismWeights(netuid, mecid, uids, values, versionKey)
        : need(api, sm, 'setWeights')(netuid, uids, values, versionKey),
    commitWeights: ({ netuid, mecid, hash }) =>
      mecOr(mecid, 'commit_weights') && commitMechanismWeights
        ? commitMechanismWeights(netuid, mecid, hash)
        : need(api, sm, 'commitWeights')(netuid, hash),
    revealWeights: ({ netuid, mecid, uids, values, salt, versionKey }) =>
      mecOr(mecid, 'reveal_weights') && revealMechanismWeights
        ? revealMechanismWeights(netuid, mecid, uids, values, salt, versionKey)
        : need(api, sm, 'revealWeights')(netuid, uids, values, salt, versionKey),
    timelockedCommit: ({ netuid, mecid, commit, revealRound, commitRevealVersion }) => {
      const mec = mecOr(mecid, 'timelocked commit');
      if (commitTimelocked) {
        if (commitRevealVersion === undefined) {
          throw new ChainError(
            ChainErrorCode.InvalidArgument,
            "commit_timelocked_weights needs the chain's commit_reveal_version",
          );
        }
        return mec && commitTimelockedMechanism
          ? commitTimelockedMechanism(netuid, mecid, commit, revealRound, commitRevealVersion)
          : commitTimelocked(netuid, commit, revealRound, commitRevealVersion);
      }
      if (commitCrv3) {
        return mec && commitCrv3Mechanism
          ? commitCrv3Mechanism(netuid, mecid, commit, revealRound)
          : commitCrv3(netuid, commit, revealRound);
      }
      throw new ChainError(ChainErrorCode.Unsupported, 'this runtime has no timelocked commits');
    },
  };
}
