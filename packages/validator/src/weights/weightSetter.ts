/**
 * Puts the validator's weights on chain once per scoring period: the newest period's scores from
 * storage → `weightVector` → the chain package's processing (the SDK's u16 vector) → `set_weights`,
 * or, when the subnet has commit-reveal on, `commit_weights` now and `reveal_weights` once the
 * chain's reveal window opens. A commit is stored `pending` (hash, salt, vector) BEFORE it is
 * sent, so a validator restarted between commit and reveal reveals it from storage.
 *
 * Nothing here throws on a chain refusal: the rate limit, a missing registration, a version key
 * the subnet no longer accepts and failed extrinsics are logged and reported as an outcome; the
 * next period tries again. Calls are serialized, so a reveal never races a commit being sent.
 */
import {
  type ChainClient,
  ChainDispatchError,
  ChainError,
  ChainErrorCode,
  commitHash,
  DEFAULT_VERSION_KEY,
  type KeyringPair,
  neuronByHotkey,
  randomSalt,
  type SubnetHyperparameters,
} from '@subnet/chain';
import type { WeightConfig } from '@subnet/scoring';
import type { Logger } from 'pino';
import type { Repositories } from '../storage/openStorage';
import type { WeightSetting } from '../storage/weightsRepo';
import { firstRevealBlock } from './revealWindow';
import { weightsFromPeriod } from './scoresToWeights';

export type SkipReason = 'no_scores' | 'not_registered' | 'rate_limited' | 'version_key';

export type WeightsOutcome =
  | { kind: 'set'; period: number; block: number; uids: number[]; values: number[] }
  | {
      kind: 'committed';
      period: number;
      id: number;
      block: number;
      uids: number[];
      values: number[];
      revealAfterBlock: number;
    }
  | { kind: 'skipped'; reason: SkipReason; message: string }
  | { kind: 'failed'; error: string; code?: string };

export type RevealOutcome =
  | { kind: 'revealed'; id: number; block: number }
  | { kind: 'waiting'; id: number; firstRevealBlock: number }
  | { kind: 'failed'; id: number; error: string }
  | { kind: 'retry'; id: number; error: string };

export interface WeightSetterOptions {
  client: ChainClient;
  storage: Repositories;
  netuid: number;
  hotkey: KeyringPair;
  logger: Logger;
  /** Sent with every vector (default the chain package's `DEFAULT_VERSION_KEY`). */
  versionKey?: bigint;
  /** Share of emissions per task kind (default 1 each). */
  taskShares?: Readonly<Record<string, number>>;
  weightConfig?: WeightConfig;
  now?: () => number;
}

function describeError(err: unknown): { error: string; code?: string } {
  if (err instanceof ChainError) return { error: err.message, code: err.code };
  return { error: err instanceof Error ? err.message : String(err) };
}

export class WeightSetter {
  readonly #o: WeightSetterOptions;
  readonly #log: Logger;
  readonly #versionKey: bigint;
  readonly #now: () => number;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: WeightSetterOptions) {
    this.#o = options;
    this.#log = options.logger.child({ module: 'weights' });
    this.#versionKey = options.versionKey ?? DEFAULT_VERSION_KEY;
    this.#now = options.now ?? Date.now;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Sets (or commits) the weights of the newest scoring period. Never throws. */
  setForLatestPeriod(): Promise<WeightsOutcome> {
    return this.#serial(async () => {
      try {
        return await this.#setWeights();
      } catch (err) {
        const d = describeError(err);
        this.#log.warn({ err }, `weights not set: ${d.error}; trying again next period`);
        return { kind: 'failed', ...d };
      }
    });
  }

  /** Reveals every stored commit whose reveal window is open. Never throws. */
  revealDue(): Promise<RevealOutcome[]> {
    return this.#serial(async () => {
      try {
        return await this.#revealDue();
      } catch (err) {
        this.#log.warn({ err }, `reveal check failed: ${describeError(err).error}; trying again`);
        return [];
      }
    });
  }

  #skip(reason: SkipReason, message: string, fields: object = {}): WeightsOutcome {
    const level = reason === 'rate_limited' || reason === 'no_scores' ? 'info' : 'warn';
    this.#log[level]({ reason, ...fields }, `weights skipped: ${message}`);
    return { kind: 'skipped', reason, message };
  }

  async #setWeights(): Promise<WeightsOutcome> {
    const { client, storage, netuid, hotkey } = this.#o;
    const period = await storage.scores.latestPeriod();
    if (period === undefined) return this.#skip('no_scores', 'no scoring period has scores yet');
    const [rows, miners] = await Promise.all([
      storage.scores.listPeriod(period),
      storage.miners.list(),
    ]);
    const scored = weightsFromPeriod(
      period,
      rows,
      miners.map((m) => m.uid),
      {
        ...(this.#o.taskShares ? { taskShares: this.#o.taskShares } : {}),
        ...(this.#o.weightConfig ? { weightConfig: this.#o.weightConfig } : {}),
      },
    );
    if (scored.uids.length === 0) return this.#skip('no_scores', 'the metagraph has no miners yet');

    const [hp, mg, head] = await Promise.all([
      client.hyperparameters(netuid),
      client.metagraph(netuid),
      client.blockNumber(),
    ]);
    const self = neuronByHotkey(mg, hotkey.address);
    if (!self) {
      return this.#skip(
        'not_registered',
        `hotkey ${hotkey.address} is not registered on subnet ${netuid}`,
      );
    }
    const blocked = this.#rateLimited(hp, self.lastUpdate, head);
    if (blocked) return blocked;
    if (hp.weightsVersionKey > this.#versionKey) {
      return this.#skip(
        'version_key',
        `subnet ${netuid} wants weights version key >= ${hp.weightsVersionKey}, this validator sends ${this.#versionKey}; upgrade the validator`,
      );
    }
    if (hp.commitRevealWeightsEnabled) return this.#commit(period, scored, hp, head);

    try {
      const sent = await client.setWeights({
        netuid,
        hotkey,
        uids: scored.uids,
        weights: scored.weights,
        versionKey: this.#versionKey,
      });
      await storage.weights.recordSet({
        netuid,
        uids: sent.uids,
        weights: sent.values,
        versionKey: Number(this.#versionKey),
        status: 'done',
        block: sent.receipt.blockNumber,
        nowMs: this.#now(),
      });
      this.#log.info(
        { period, block: sent.receipt.blockNumber, uids: sent.uids, values: sent.values },
        'weights set',
      );
      return { kind: 'set', period, block: sent.receipt.blockNumber, ...pick(sent) };
    } catch (err) {
      if (err instanceof ChainError && err.code === ChainErrorCode.WeightsRateLimited) {
        return this.#skip('rate_limited', err.message);
      }
      const d = describeError(err);
      await storage.weights.recordSet({
        netuid,
        uids: [],
        weights: [],
        versionKey: Number(this.#versionKey),
        status: 'failed',
        error: d.error,
        nowMs: this.#now(),
      });
      this.#log.warn({ err, period }, `set_weights failed: ${d.error}; trying again next period`);
      return { kind: 'failed', ...d };
    }
  }

  #rateLimited(
    hp: SubnetHyperparameters,
    lastUpdate: number,
    head: number,
  ): WeightsOutcome | undefined {
    // The chain checks at the block that will include the extrinsic: head + 1.
    const since = head + 1 - lastUpdate;
    if (lastUpdate === 0 || since >= hp.weightsSetRateLimit) return undefined;
    const wait = hp.weightsSetRateLimit - since;
    return this.#skip(
      'rate_limited',
      `subnet ${this.#o.netuid} allows weights every ${hp.weightsSetRateLimit} blocks; last set at block ${lastUpdate}, ${wait} more block(s) to wait`,
      { lastUpdate, head, rateLimit: hp.weightsSetRateLimit, blocksToWait: wait },
    );
  }

  async #commit(
    period: number,
    scored: { uids: number[]; weights: number[] },
    hp: SubnetHyperparameters,
    head: number,
  ): Promise<WeightsOutcome> {
    const { client, storage, netuid, hotkey } = this.#o;
    const { uids, values } = await client.weightsForSubnet(netuid, scored.uids, scored.weights);
    const salt = randomSalt();
    const hash = commitHash({
      hotkey: hotkey.publicKey,
      netuid,
      mecid: 0,
      uids,
      values,
      salt,
      versionKey: this.#versionKey,
    });
    const revealAfterBlock = firstRevealBlock({
      commitBlock: head + 1,
      netuid,
      tempo: hp.tempo,
      revealPeriodEpochs: hp.commitRevealPeriod,
    });
    // Stored before sending: a restart from here on still knows what to reveal.
    const id = await storage.weights.recordCommit({
      netuid,
      uids,
      weights: values,
      versionKey: Number(this.#versionKey),
      commitHash: hash,
      salt,
      revealAfterBlock,
      nowMs: this.#now(),
    });
    try {
      const receipt = await client.submit(
        hotkey,
        client.adapter.commitWeights({ netuid, mecid: 0, hash }),
      );
      this.#log.info(
        { period, id, block: receipt.blockNumber, hash, revealAfterBlock, uids, values },
        'weights committed',
      );
      return {
        kind: 'committed',
        period,
        id,
        block: receipt.blockNumber,
        uids,
        values,
        revealAfterBlock,
      };
    } catch (err) {
      const d = describeError(err);
      // A refusal means nothing is on chain; a timeout or lost connection may still land, so
      // that commit stays pending and the reveal check asks the chain.
      if (err instanceof ChainDispatchError || d.code === ChainErrorCode.TxRejected) {
        await storage.weights.markFailed(id, d.error, this.#now());
      }
      this.#log.warn(
        { err, period, id },
        `commit_weights failed: ${d.error}; trying again next period`,
      );
      return { kind: 'failed', ...d };
    }
  }

  async #revealDue(): Promise<RevealOutcome[]> {
    const { client, storage, netuid, hotkey } = this.#o;
    const pending = await storage.weights.pendingCommits(netuid);
    if (pending.length === 0) return [];
    const [onChain, head] = await Promise.all([
      client.storedCommits(netuid, hotkey.address),
      client.blockNumber(),
    ]);
    const out: RevealOutcome[] = [];
    for (const p of pending) {
      const stored = onChain.find((c) => c.hash === p.commitHash);
      const next = head + 1;
      if (!stored) {
        out.push(await this.#fail(p, 'the commit is not on chain (never included, or expired)'));
      } else if (next < stored.firstRevealBlock) {
        this.#log.debug({ id: p.id, firstRevealBlock: stored.firstRevealBlock }, 'reveal not due');
        out.push({ kind: 'waiting', id: p.id, firstRevealBlock: stored.firstRevealBlock });
      } else if (next > stored.lastRevealBlock) {
        out.push(await this.#fail(p, `reveal window closed at block ${stored.lastRevealBlock}`));
      } else {
        out.push(await this.#reveal(p, stored.commitBlock));
      }
    }
    return out;
  }

  async #reveal(p: WeightSetting, commitBlock: number): Promise<RevealOutcome> {
    const { client, storage, netuid, hotkey } = this.#o;
    try {
      const receipt = await client.revealWeights({
        hotkey,
        commit: {
          netuid,
          mecid: 0,
          hotkey: hotkey.address,
          uids: p.uids,
          values: p.weights,
          salt: p.salt ?? [],
          versionKey: BigInt(p.versionKey),
          hash: p.commitHash as `0x${string}`,
          block: commitBlock,
        },
      });
      await storage.weights.markRevealed(p.id, receipt.blockNumber, this.#now());
      this.#log.info(
        { id: p.id, block: receipt.blockNumber, uids: p.uids, values: p.weights },
        'weights revealed',
      );
      return { kind: 'revealed', id: p.id, block: receipt.blockNumber };
    } catch (err) {
      const d = describeError(err);
      if (err instanceof ChainDispatchError) return this.#fail(p, `reveal refused: ${d.error}`);
      this.#log.warn({ err, id: p.id }, `reveal_weights failed: ${d.error}; trying again`);
      return { kind: 'retry', id: p.id, error: d.error };
    }
  }

  async #fail(p: WeightSetting, error: string): Promise<RevealOutcome> {
    await this.#o.storage.weights.markFailed(p.id, error, this.#now());
    this.#log.warn({ id: p.id, hash: p.commitHash }, `pending commit dropped: ${error}`);
    return { kind: 'failed', id: p.id, error };
  }
}

function pick(v: { uids: number[]; values: number[] }): { uids: number[]; values: number[] } {
  return { uids: v.uids, values: v.values };
}
