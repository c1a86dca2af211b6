import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex } from '@polkadot/util';
import { blake2AsHex } from '@polkadot/util-crypto';
import type { ChainConnection } from '../client/connection.js';
import { maybeStorage, storage } from '../client/pallet.js';
import type { SubmitOptions, TxReceipt } from '../client/submit.js';
import { ChainError, ChainErrorCode } from '../errors.js';
import type { SubnetHyperparameters } from '../hyperparameters.js';
import {
  type EpochSchedule,
  encodeWeightsPayload,
  predictFirstRevealBlock,
  revealRoundFor,
  scheduleFromLegacyEpochs,
  timelockEncrypt,
} from '../timelock/index.js';
import { commitHash, netuidIndex, randomSalt } from './commitHash.js';
import { firstRevealBlock, lookaheadEpoch } from './epochs.js';
import { type ProcessWeightsOptions, weightsForChain } from './processWeights.js';
import { DEFAULT_VERSION_KEY } from './versionKey.js';
import {
  lastUpdateOf,
  MAX_TIMELOCKED_COMMIT_BYTES,
  readWeightsPolicy,
  type WeightsPath,
  type WeightsPolicy,
} from './weightsPolicy.js';

/** The queries `ChainWeights` needs from the client. */
export interface WeightsQueries {
  hyperparameters(netuid: number): Promise<SubnetHyperparameters>;
  blockNumber(): Promise<number>;
  uidForHotkey(netuid: number, hotkey: string): Promise<number | undefined>;
  now?: () => number;
}

export interface PrepareWeightsArgs {
  netuid: number;
  /** Mechanism id (default 0); must be below the subnet's mechanism count. */
  mecid?: number;
  hotkey: KeyringPair;
  uids: readonly number[];
  /** Floats; processed and converted to u16 as the SDK does. */
  weights: readonly number[];
  versionKey?: bigint;
  /**
   * Apply the SDK's `process_weights` with the subnet's min allowed weights and max weight limit
   * first (default true). `{ excludeQuantile }` to exclude low weights too.
   */
  process?: boolean | { excludeQuantile?: number };
  /** A policy read already this block (else read now). */
  policy?: WeightsPolicy;
  /** Force a path (config); checked against the runtime and the subnet. */
  path?: WeightsPath;
  /** Seconds per block for the reveal round (default: the runtime's slot duration, else 12). */
  blockTimeS?: number;
}

interface PreparedBase {
  netuid: number;
  mecid: number;
  /** The committer's SS58 address. */
  hotkey: string;
  uid: number;
  uids: number[];
  values: number[];
  versionKey: bigint;
  /** The head when prepared: an extrinsic of ours that lands moves `LastUpdate` past it. */
  atBlock: number;
}

/** Weights ready to send: keep (store) them first, then `send`. */
export type PreparedWeights =
  | (PreparedBase & { path: 'set' })
  | (PreparedBase & {
      path: 'commit_hash';
      salt: number[];
      hash: `0x${string}`;
      /** First block the reveal should be accepted at (from the schedule when prepared). */
      revealBlock: number;
    })
  | (PreparedBase & {
      path: 'commit_timelocked';
      /** The raw timelock ciphertext the chain stores. */
      commit: `0x${string}`;
      /** blake2-256 of the ciphertext (what the chain's `TimelockedWeightsCommitted` event names). */
      hash: `0x${string}`;
      revealRound: bigint;
      commitRevealVersion: number | undefined;
      /** First block of the epoch the chain reveals it in (an estimate from the schedule). */
      revealBlock: number;
    });

/** Whether a sent extrinsic of ours landed, read from the chain after the fact. */
export type WeightsLanding =
  | { state: 'landed'; block: number }
  | { state: 'pending' }
  | { state: 'not_landed' };

/** A hash commit on chain, and where its reveal window stands at the next block. */
export interface HashCommitOnChain {
  hash: string;
  commitBlock: number;
  /** `due`: a reveal in the next block is accepted; `waiting`: too early; `expired`: too late. */
  window: 'waiting' | 'due' | 'expired';
  /** First block the reveal is accepted at, where the runtime says it (fixed epochs) or estimated. */
  firstRevealBlock: number;
}

/** A timelocked commit on chain (`TimelockedWeightCommits` / `CRV3WeightCommitsV2`). */
export interface TimelockedCommitOnChain {
  hotkey: string;
  epoch: number;
  /** The block it was included in; -1 where the runtime does not store it (spec 293). */
  commitBlock: number;
  commit: `0x${string}`;
  revealRound: bigint;
}

/**
 * The weights a validator puts on chain, by whichever path the runtime and the subnet ask for
 * (`readWeightsPolicy`), in two steps: `prepare` (checks registration and the rate limit, runs the
 * SDK's processing, builds the hash or the timelock ciphertext) and `send`. A caller stores the
 * prepared weights between the two, so a commit is never sent that is not also kept. After a
 * send that ended without an answer (connection lost, timeout), `landing` reads from the chain
 * whether it landed.
 */
export class ChainWeights {
  readonly #conn: ChainConnection;
  readonly #q: WeightsQueries;
  readonly #now: () => number;
  #slotS: number | undefined;

  constructor(conn: ChainConnection, queries: WeightsQueries) {
    this.#conn = conn;
    this.#q = queries;
    this.#now = queries.now ?? Date.now;
  }

  /** The subnet's weight settings and the path the chain asks for (see `readWeightsPolicy`). */
  policy(netuid: number, options: { override?: WeightsPath } = {}): Promise<WeightsPolicy> {
    return this.#conn.call('weightsPolicy', (api) =>
      readWeightsPolicy(api, this.#conn.adapter, netuid, options),
    );
  }

  /** The u16 vector the SDK would send for these floats on this subnet (reads n and limits). */
  async vectorFor(
    netuid: number,
    uids: readonly number[],
    weights: readonly number[],
    process: boolean | { excludeQuantile?: number } = true,
  ): Promise<{ uids: number[]; values: number[] }> {
    if (process === false) return weightsForChain(uids, weights);
    const [hp, n] = await Promise.all([
      this.#q.hyperparameters(netuid),
      this.#conn.call('subnetworkN', async (api) =>
        Number((await storage(api, 'subnetworkN')(netuid)).toJSON()),
      ),
    ]);
    const opts: ProcessWeightsOptions = {
      numNeurons: n,
      minAllowedWeights: hp.minAllowedWeights,
      maxWeightLimit: hp.maxWeightsLimit / 65535,
      excludeQuantile: typeof process === 'object' ? (process.excludeQuantile ?? 0) : 0,
    };
    return weightsForChain(uids, weights, opts);
  }

  /**
   * Checks, processes and builds what `send` sends. Refuses before anything is sent what the
   * chain would refuse: an unregistered hotkey (`CHAIN_NOT_REGISTERED`), a mechanism the subnet
   * does not have, weights inside `WeightsSetRateLimit` (`CHAIN_WEIGHTS_RATE_LIMITED`), a path the
   * subnet or runtime cannot take (`CHAIN_COMMIT_REVEAL_MISMATCH`, `CHAIN_UNSUPPORTED_RUNTIME`),
   * a timelocked commit over the chain's size bound or aimed at a round the chain has already
   * passed (`CHAIN_INVALID_ARGUMENT`).
   */
  async prepare(args: PrepareWeightsArgs): Promise<PreparedWeights> {
    const { netuid, hotkey } = args;
    const mecid = args.mecid ?? 0;
    const policy =
      args.policy ?? (await this.policy(netuid, args.path ? { override: args.path } : {}));
    if (!Number.isInteger(mecid) || mecid < 0 || mecid >= policy.mechanismCount) {
      throw new ChainError(
        ChainErrorCode.InvalidArgument,
        `mechanism ${mecid} does not exist on subnet ${netuid} (it has ${policy.mechanismCount})`,
      );
    }
    const [uid, head] = await Promise.all([
      this.#q.uidForHotkey(netuid, hotkey.address),
      this.#q.blockNumber(),
    ]);
    if (uid === undefined) {
      throw new ChainError(
        ChainErrorCode.NotRegistered,
        `weights: hotkey ${hotkey.address} is not registered on subnet ${netuid}`,
      );
    }
    const last = await this.#conn.call('lastUpdate', (api) =>
      lastUpdateOf(api, netuid, mecid, uid),
    );
    // The chain checks at the block that will include the extrinsic: head + 1.
    const since = head + 1 - last;
    if (last !== 0 && since < policy.rateLimit) {
      throw new ChainError(
        ChainErrorCode.WeightsRateLimited,
        `weights: subnet ${netuid} allows weights every ${policy.rateLimit} blocks; uid ${uid} last set them at block ${last}, ${policy.rateLimit - since} more block(s) to wait`,
      );
    }
    const { uids, values } = await this.vectorFor(
      netuid,
      args.uids,
      args.weights,
      args.process ?? true,
    );
    const versionKey = args.versionKey ?? DEFAULT_VERSION_KEY;
    const base: PreparedBase = {
      netuid,
      mecid,
      hotkey: hotkey.address,
      uid,
      uids,
      values,
      versionKey,
      atBlock: head,
    };
    if (policy.path === 'set') return { ...base, path: 'set' };
    if (policy.path === 'commit_hash') {
      const salt = randomSalt();
      const hash = commitHash({
        hotkey: hotkey.publicKey,
        netuid,
        mecid,
        uids,
        values,
        salt,
        versionKey,
      });
      return {
        ...base,
        path: 'commit_hash',
        salt,
        hash,
        revealBlock: await this.#hashRevealBlock(netuid, head, policy),
      };
    }
    return this.#prepareTimelocked(base, hotkey, policy, args.blockTimeS);
  }

  async #prepareTimelocked(
    base: PreparedBase,
    hotkey: KeyringPair,
    policy: WeightsPolicy,
    blockTimeS: number | undefined,
  ): Promise<PreparedWeights> {
    const schedule = await this.epochSchedule(base.netuid);
    const slotS = blockTimeS ?? (await this.#slotSeconds());
    const nowS = this.#now() / 1000;
    const { revealRound, firstRevealBlock } = revealRoundFor({
      schedule,
      revealPeriodEpochs: policy.revealPeriodEpochs,
      blockTimeS: slotS,
      nowS,
    });
    if (policy.drandLastRound > 0n && revealRound <= policy.drandLastRound) {
      throw new ChainError(
        ChainErrorCode.InvalidArgument,
        `weights: the reveal round ${revealRound} is not after the chain's newest drand round ${policy.drandLastRound}; the chain would reveal it at once. Is this machine's clock behind? (now ${new Date(nowS * 1000).toISOString()})`,
      );
    }
    const payload = encodeWeightsPayload({
      ...(policy.timelockedPayload === 'legacy' ? {} : { hotkey: hotkey.publicKey }),
      uids: base.uids,
      values: base.values,
      versionKey: base.versionKey,
    });
    const commit = timelockEncrypt(payload, revealRound);
    if (commit.length > MAX_TIMELOCKED_COMMIT_BYTES) {
      throw new ChainError(
        ChainErrorCode.InvalidArgument,
        `weights: the timelocked commit is ${commit.length} bytes (${base.uids.length} uids); the chain takes at most ${MAX_TIMELOCKED_COMMIT_BYTES}`,
      );
    }
    return {
      ...base,
      path: 'commit_timelocked',
      commit: u8aToHex(commit) as `0x${string}`,
      hash: blake2AsHex(commit, 256) as `0x${string}`,
      revealRound,
      commitRevealVersion: policy.commitRevealVersion,
      revealBlock: firstRevealBlock,
    };
  }

  /** Sends prepared weights, signed by the hotkey, and waits for inclusion. */
  send(
    signer: KeyringPair,
    prepared: PreparedWeights,
    submit: SubmitOptions = {},
  ): Promise<TxReceipt> {
    if (signer.address !== prepared.hotkey) {
      throw new ChainError(
        ChainErrorCode.InvalidArgument,
        `weights prepared for ${prepared.hotkey} cannot be sent by ${signer.address}`,
      );
    }
    const adapter = this.#conn.adapter;
    const { netuid, mecid, uids, values, versionKey } = prepared;
    const tx =
      prepared.path === 'set'
        ? adapter.setWeights({ netuid, mecid, uids, values, versionKey })
        : prepared.path === 'commit_hash'
          ? adapter.commitWeights({ netuid, mecid, hash: prepared.hash })
          : adapter.timelockedCommit({
              netuid,
              mecid,
              commit: prepared.commit,
              revealRound: prepared.revealRound,
              ...(prepared.commitRevealVersion === undefined
                ? {}
                : { commitRevealVersion: prepared.commitRevealVersion }),
            });
    return this.#conn.submit(signer, tx, submit);
  }

  /**
   * Whether prepared weights that were sent landed: every weights extrinsic (set or commit) moves
   * the uid's `LastUpdate` to its block, so a `LastUpdate` past `atBlock` is ours (a caller sends
   * one at a time). Not landed yet but in the node's pool: `pending`.
   */
  landing(prepared: PreparedWeights): Promise<WeightsLanding> {
    return this.#conn.call('weightsLanding', async (api) => {
      const last = await lastUpdateOf(api, prepared.netuid, prepared.mecid, prepared.uid);
      if (last > prepared.atBlock) return { state: 'landed', block: last };
      if (await inPool(api, prepared.hotkey)) return { state: 'pending' };
      return { state: 'not_landed' };
    });
  }

  /** `reveal_weights` of a hash commit. */
  reveal(
    signer: KeyringPair,
    prepared: Extract<PreparedWeights, { path: 'commit_hash' }>,
    submit: SubmitOptions = {},
  ): Promise<TxReceipt> {
    const tx = this.#conn.adapter.revealWeights({
      netuid: prepared.netuid,
      mecid: prepared.mecid,
      uids: prepared.uids,
      values: prepared.values,
      salt: prepared.salt,
      versionKey: prepared.versionKey,
    });
    return this.#conn.submit(signer, tx, submit);
  }

  /**
   * The hotkey's hash commits on chain, oldest first, each with its reveal window judged by the
   * runtime's own rule: stored first/last reveal blocks (spec 218/293), or the stateful epoch
   * counter (`current_epoch_with_lookahead == commit_epoch + reveal_period`, spec 4xx).
   */
  hashCommits(netuid: number, hotkey: string, mecid = 0): Promise<HashCommitOnChain[]> {
    return this.#conn.call('hashCommits', async (api) => {
      const head = await this.#q.blockNumber();
      const rows = ((
        await storage(api, 'weightCommits')(netuidIndex(netuid, mecid), hotkey)
      ).toJSON() ?? []) as Array<[string, number, number, number]>;
      if (!maybeStorage(api, 'subnetEpochIndex')) {
        return rows.map(([hash, commitBlock, first, lastBlock]) => {
          const next = head + 1;
          return {
            hash,
            commitBlock: Number(commitBlock),
            firstRevealBlock: Number(first),
            window: next < Number(first) ? 'waiting' : next > Number(lastBlock) ? 'expired' : 'due',
          };
        });
      }
      const [schedule, period] = await Promise.all([
        this.epochSchedule(netuid),
        storage(api, 'revealPeriodEpochs')(netuid).then((v) => Number(v.toJSON() ?? 1)),
      ]);
      const epochNext = lookaheadEpoch(schedule, head + 1);
      return rows.map(([hash, commitEpoch, commitBlock]) => {
        const due = Number(commitEpoch) + period;
        const window = epochNext < due ? 'waiting' : epochNext > due ? 'expired' : 'due';
        return {
          hash,
          commitBlock: Number(commitBlock),
          // The block where the lookahead epoch reaches `due`, stepped as the chain runs epochs.
          firstRevealBlock:
            window === 'waiting' ? predictFirstRevealBlock(schedule, due - epochNext) : head + 1,
          window,
        };
      });
    });
  }

  /** Timelocked commits stored on chain for the subnet (every committer), oldest epoch first. */
  timelockedCommits(netuid: number, mecid = 0): Promise<TimelockedCommitOnChain[]> {
    return this.#conn.call('timelockedCommits', async (api) => {
      // Spec 4xx: (who, block, commit, round) by storage index; spec 293: (who, commit, round)
      // by netuid (`CRV3WeightCommits`), or with the block (`CRV3WeightCommitsV2`).
      const q =
        maybeStorage(api, 'timelockedWeightCommits') ??
        maybeStorage(api, 'crv3WeightCommitsV2') ??
        maybeStorage(api, 'crv3WeightCommits');
      if (!q) return [];
      const key = maybeStorage(api, 'timelockedWeightCommits')
        ? netuidIndex(netuid, mecid)
        : netuid;
      const entries = await q.entries(key);
      const out: TimelockedCommitOnChain[] = [];
      for (const [k, v] of entries) {
        const epoch = Number(k.args[1]?.toString());
        for (const row of (v.toJSON() ?? []) as unknown[][]) {
          const withBlock = row.length === 4;
          out.push({
            hotkey: String(row[0]),
            epoch,
            commitBlock: withBlock ? Number(row[1]) : -1,
            commit: String(row[withBlock ? 2 : 1]) as `0x${string}`,
            revealRound: BigInt(String(row[withBlock ? 3 : 2])),
          });
        }
      }
      return out.sort((a, b) => a.epoch - b.epoch || a.commitBlock - b.commitBlock);
    });
  }

  /**
   * The subnet's epoch schedule now: from `LastEpochBlock`, `PendingEpochAt`, `SubnetEpochIndex`
   * and `BlocksSinceLastStep` where the runtime keeps them (spec 4xx), else derived from the
   * fixed rule of older runtimes.
   */
  epochSchedule(netuid: number): Promise<EpochSchedule> {
    return this.#conn.call('epochSchedule', async (api) => {
      const header = await api.rpc.chain.getHeader();
      const at = await api.at(header.hash);
      const currentBlock = header.number.toNumber();
      const num = async (item: string) => {
        const q = maybeStorage(at, item);
        return q ? Number((await q(netuid)).toJSON() ?? 0) : undefined;
      };
      const [tempo, sinceStep, lastEpoch, pending, index] = await Promise.all([
        num('tempo'),
        num('blocksSinceLastStep'),
        num('lastEpochBlock'),
        num('pendingEpochAt'),
        num('subnetEpochIndex'),
      ]);
      if (lastEpoch !== undefined && index !== undefined) {
        return {
          lastEpochBlock: lastEpoch,
          pendingEpochAt: pending ?? 0,
          subnetEpochIndex: index,
          tempo: tempo ?? 0,
          blocksSinceLastStep: sinceStep ?? 0,
          currentBlock,
        };
      }
      return scheduleFromLegacyEpochs({
        netuid,
        tempo: tempo ?? 0,
        currentBlock,
        blocksSinceLastStep: sinceStep ?? 0,
      });
    });
  }

  /** Where the reveal of a hash commit included at `head + 1` should open. */
  async #hashRevealBlock(netuid: number, head: number, policy: WeightsPolicy): Promise<number> {
    if (policy.epochModel === 'fixed') {
      return firstRevealBlock({
        commitBlock: head + 1,
        netuid,
        tempo: policy.tempo,
        revealPeriodEpochs: policy.revealPeriodEpochs,
      });
    }
    return predictFirstRevealBlock(await this.epochSchedule(netuid), policy.revealPeriodEpochs);
  }

  async #slotSeconds(): Promise<number> {
    if (this.#slotS !== undefined) return this.#slotS;
    const ms = await this.#conn
      .call('slotDuration', async (api) => {
        const aura = (api.call as unknown as Record<string, Record<string, () => Promise<unknown>>>)
          .auraApi;
        return aura?.slotDuration ? Number(String(await aura.slotDuration())) : undefined;
      })
      .catch(() => undefined);
    this.#slotS = ms && ms > 0 ? ms / 1000 : 12;
    return this.#slotS;
  }
}

/** Whether the node's pool holds an extrinsic signed by `address`. */
async function inPool(api: ApiPromise, address: string): Promise<boolean> {
  const pending = await api.rpc.author.pendingExtrinsics();
  return pending.some((x) => x.isSigned && x.signer.toString() === address);
}
