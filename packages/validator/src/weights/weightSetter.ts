/**
 * Puts the validator's weights on chain once per scoring period, by whichever path the chain asks
 * for (the chain package reads it from the runtime and the subnet's hyperparameters each time;
 * config may only force one): the newest period's scores from storage → `weightVector` → the
 * chain package's processing (the SDK's u16 vector) → `set_weights`, a timelocked commit the chain
 * reveals itself at a drand round, or a hash commit revealed here once the chain's reveal window
 * opens. Each mechanism of the subnet gets its vector (its own task shares where configured).
 *
 * Every vector is stored `pending` BEFORE it is sent. An extrinsic whose fate is unknown (the
 * connection dropped, or no answer in time) stays pending: `followUp` reads from the chain
 * whether it landed (recorded as landed) or not (recorded as failed and sent again); "unknown"
 * is never recorded as "refused". Nothing here throws on a chain refusal: the rate limit, a
 * missing registration, a version key the subnet no longer accepts and failed extrinsics are
 * logged and reported as an outcome; the next period tries again. Calls are serialized, so a
 * reveal never races a commit being sent.
 */
import {
  type ChainClient,
  ChainDispatchError,
  ChainError,
  ChainErrorCode,
  DEFAULT_VERSION_KEY,
  type KeyringPair,
  type PreparedWeights,
  type WeightsPath,
  type WeightsPolicy,
} from '@subnet/chain';
import type { WeightConfig } from '@subnet/scoring';
import type { Logger } from 'pino';
import type { Repositories } from '../storage/openStorage';
import type { WeightSetting } from '../storage/weightsRepo';
import { weightsFromPeriod } from './scoresToWeights';

export type SkipReason =
  | 'no_scores'
  | 'not_registered'
  | 'rate_limited'
  | 'version_key'
  | 'in_flight';

export type WeightsOutcome =
  | { kind: 'set'; period: number; mecid: number; block: number; uids: number[]; values: number[] }
  | {
      kind: 'committed';
      path: 'commit_hash' | 'commit_timelocked';
      period: number;
      mecid: number;
      id: number;
      block: number;
      uids: number[];
      values: number[];
      /** Hash commits: the first block the reveal is expected at; timelocked: the chain's reveal. */
      revealAfterBlock: number;
      /** Timelocked commits: the drand round the chain decrypts them at. */
      revealRound?: number;
    }
  | {
      /** Sent, but no answer came back: `followUp` reads from the chain whether it landed. */
      kind: 'in_flight';
      period: number;
      mecid: number;
      id: number;
      error: string;
    }
  | { kind: 'skipped'; reason: SkipReason; message: string }
  | { kind: 'failed'; error: string; code?: string };

export type FollowUpOutcome =
  | { kind: 'landed'; id: number; block: number }
  | { kind: 'not_landed'; id: number }
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
  /** Per mechanism (mecid): its own task shares; mechanisms not listed use `taskShares`. */
  mechanismShares?: Readonly<Record<number, Readonly<Record<string, number>>>>;
  /** Force a weights path (default: the one the chain asks for). */
  path?: WeightsPath;
  weightConfig?: WeightConfig;
  now?: () => number;
}

function describeError(err: unknown): { error: string; code?: string } {
  if (err instanceof ChainError) return { error: err.message, code: err.code };
  return { error: err instanceof Error ? err.message : String(err) };
}

/** A send that the chain answered with a refusal: nothing of it is on chain. */
function refused(err: unknown): boolean {
  return (
    err instanceof ChainDispatchError ||
    (err instanceof ChainError &&
      (err.code === ChainErrorCode.TxRejected || err.code === ChainErrorCode.InvalidArgument))
  );
}

export class WeightSetter {
  readonly #o: WeightSetterOptions;
  readonly #log: Logger;
  readonly #versionKey: bigint;
  readonly #now: () => number;
  #queue: Promise<unknown> = Promise.resolve();
  /** The period whose weights were last sent again after they did not land. */
  #resentFor: number | undefined;

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

  /**
   * Sets (or commits) the weights of the newest scoring period on every mechanism; resolves
   * with mechanism 0's outcome (the others are logged and stored). Never throws.
   */
  setForLatestPeriod(): Promise<WeightsOutcome> {
    return this.#serial(async () => (await this.#setAll())[0] ?? this.#noMechanisms());
  }

  /** As `setForLatestPeriod`, with every mechanism's outcome. Never throws. */
  setForLatestPeriodAll(): Promise<WeightsOutcome[]> {
    return this.#serial(() => this.#setAll());
  }

  /**
   * Resolves what is in flight: sent weights whose fate is unknown are read from the chain
   * (landed → recorded; not landed → failed and sent again at once), and hash commits are
   * revealed once their window opens. Never throws.
   */
  followUp(): Promise<FollowUpOutcome[]> {
    return this.#serial(async () => {
      try {
        const out = await this.#followUp();
        if (out.some((o) => o.kind === 'not_landed')) {
          // Sent again once per scoring period: a send that never lands is not retried each block.
          const period = await this.#o.storage.scores.latestPeriod();
          if (period !== undefined && period !== this.#resentFor) {
            this.#resentFor = period;
            const again = await this.#setAll();
            this.#log.info({ outcomes: again.map((o) => o.kind) }, 'weights sent again');
          }
        }
        return out;
      } catch (err) {
        this.#log.warn(
          { err },
          `weights follow-up failed: ${describeError(err).error}; trying again`,
        );
        return [];
      }
    });
  }

  #noMechanisms(): WeightsOutcome {
    return { kind: 'failed', error: 'the subnet has no mechanism to weight' };
  }

  #skip(reason: SkipReason, message: string, fields: object = {}): WeightsOutcome {
    const level = reason === 'rate_limited' || reason === 'no_scores' ? 'info' : 'warn';
    this.#log[level]({ reason, ...fields }, `weights skipped: ${message}`);
    return { kind: 'skipped', reason, message };
  }

  async #setAll(): Promise<WeightsOutcome[]> {
    try {
      return await this.#setWeights();
    } catch (err) {
      const d = describeError(err);
      this.#log.warn({ err }, `weights not set: ${d.error}; trying again next period`);
      return [{ kind: 'failed', ...d }];
    }
  }

  async #setWeights(): Promise<WeightsOutcome[]> {
    const { client, storage, netuid } = this.#o;
    const period = await storage.scores.latestPeriod();
    if (period === undefined) return [this.#skip('no_scores', 'no scoring period has scores yet')];
    const unresolved = (await storage.weights.inFlight(netuid)).filter(
      (r) => r.block === null && r.preparedBlock !== null,
    );
    if (unresolved.length > 0) {
      return [
        this.#skip(
          'in_flight',
          `weights sent earlier (id ${unresolved.map((r) => r.id).join(', ')}) have no known outcome yet; reading the chain first`,
        ),
      ];
    }
    const [rows, miners] = await Promise.all([
      storage.scores.listPeriod(period),
      storage.miners.list(),
    ]);
    const policy = await client.weights.policy(
      netuid,
      this.#o.path ? { override: this.#o.path } : {},
    );
    if (policy.versionKey > this.#versionKey) {
      return [
        this.#skip(
          'version_key',
          `subnet ${netuid} wants weights version key >= ${policy.versionKey}, this validator sends ${this.#versionKey}; upgrade the validator`,
        ),
      ];
    }
    this.#log.debug(
      { path: policy.path, reason: policy.reason, mechanisms: policy.mechanismCount },
      'weights path',
    );
    const out: WeightsOutcome[] = [];
    for (let mecid = 0; mecid < policy.mechanismCount; mecid++) {
      const shares = this.#o.mechanismShares?.[mecid] ?? this.#o.taskShares;
      const scored = weightsFromPeriod(
        period,
        rows,
        miners.map((m) => m.uid),
        {
          ...(shares ? { taskShares: shares } : {}),
          ...(this.#o.weightConfig ? { weightConfig: this.#o.weightConfig } : {}),
        },
      );
      if (scored.uids.length === 0) {
        out.push(this.#skip('no_scores', 'the metagraph has no miners yet'));
        continue;
      }
      out.push(await this.#setMechanism(period, mecid, scored, policy));
    }
    return out;
  }

  async #setMechanism(
    period: number,
    mecid: number,
    scored: { uids: number[]; weights: number[] },
    policy: WeightsPolicy,
  ): Promise<WeightsOutcome> {
    const { client, storage, netuid, hotkey } = this.#o;
    let prepared: PreparedWeights;
    try {
      prepared = await client.weights.prepare({
        netuid,
        mecid,
        hotkey,
        uids: scored.uids,
        weights: scored.weights,
        versionKey: this.#versionKey,
        policy,
      });
    } catch (err) {
      if (err instanceof ChainError && err.code === ChainErrorCode.WeightsRateLimited) {
        return this.#skip('rate_limited', err.message);
      }
      if (err instanceof ChainError && err.code === ChainErrorCode.NotRegistered) {
        return this.#skip('not_registered', err.message);
      }
      throw err;
    }
    // Stored before sending: a restart or a lost connection from here on still knows what was
    // sent, and reads from the chain what became of it.
    const id = await storage.weights.recordPrepared({
      netuid,
      mecid,
      uid: prepared.uid,
      preparedBlock: prepared.atBlock,
      path: prepared.path,
      uids: prepared.uids,
      weights: prepared.values,
      versionKey: Number(prepared.versionKey),
      ...(prepared.path === 'set'
        ? {}
        : { commitHash: prepared.hash, revealAfterBlock: prepared.revealBlock }),
      ...(prepared.path === 'commit_hash' ? { salt: prepared.salt } : {}),
      ...(prepared.path === 'commit_timelocked'
        ? { revealRound: Number(prepared.revealRound), commitData: prepared.commit }
        : {}),
      nowMs: this.#now(),
    });
    const fields = {
      period,
      mecid,
      id,
      path: prepared.path,
      uids: prepared.uids,
      values: prepared.values,
    };
    try {
      const receipt = await client.weights.send(hotkey, prepared);
      await storage.weights.markLanded(id, receipt.blockNumber, this.#now());
      if (prepared.path === 'set') {
        this.#log.info({ ...fields, block: receipt.blockNumber }, 'weights set');
        return {
          kind: 'set',
          period,
          mecid,
          block: receipt.blockNumber,
          uids: prepared.uids,
          values: prepared.values,
        };
      }
      const revealRound =
        prepared.path === 'commit_timelocked' ? Number(prepared.revealRound) : undefined;
      this.#log.info(
        {
          ...fields,
          block: receipt.blockNumber,
          hash: prepared.hash,
          revealAfterBlock: prepared.revealBlock,
          ...(revealRound === undefined ? {} : { revealRound }),
        },
        prepared.path === 'commit_timelocked'
          ? `weights committed, timelocked to drand round ${revealRound}; the chain reveals them itself`
          : 'weights committed',
      );
      return {
        kind: 'committed',
        path: prepared.path,
        period,
        mecid,
        id,
        block: receipt.blockNumber,
        uids: prepared.uids,
        values: prepared.values,
        revealAfterBlock: prepared.revealBlock,
        ...(revealRound === undefined ? {} : { revealRound }),
      };
    } catch (err) {
      const d = describeError(err);
      if (refused(err)) {
        await storage.weights.markFailed(id, d.error, this.#now());
        this.#log.warn(
          { err, ...fields },
          `${prepared.path} refused: ${d.error}; trying again next period`,
        );
        return { kind: 'failed', ...d };
      }
      // A lost connection or a timeout: it may have landed. It stays pending, and the follow-up
      // reads from the chain what became of it.
      this.#log.warn(
        { err, ...fields },
        `${prepared.path} sent without an answer (${d.error}); its outcome is read from the chain`,
      );
      return { kind: 'in_flight', period, mecid, id, error: d.error };
    }
  }

  async #followUp(): Promise<FollowUpOutcome[]> {
    const { storage, netuid } = this.#o;
    const rows = await storage.weights.inFlight(netuid);
    const out: FollowUpOutcome[] = [];
    for (const row of rows) {
      if (row.block === null && row.uid !== null && row.preparedBlock !== null) {
        const landing = await this.#o.client.weights.landing(preparedOf(row, this.#o.hotkey));
        if (landing.state === 'pending') {
          out.push({ kind: 'waiting', id: row.id, firstRevealBlock: row.revealAfterBlock ?? 0 });
          continue;
        }
        if (landing.state === 'not_landed') {
          await storage.weights.markFailed(
            row.id,
            'sent without an answer, and the chain has no trace of it: sent again',
            this.#now(),
          );
          this.#log.warn(
            { id: row.id, path: row.path },
            'weights did not land; sending them again',
          );
          out.push({ kind: 'not_landed', id: row.id });
          continue;
        }
        await storage.weights.markLanded(row.id, landing.block, this.#now());
        this.#log.info(
          { id: row.id, path: row.path, block: landing.block },
          'weights sent without an answer had landed',
        );
        out.push({ kind: 'landed', id: row.id, block: landing.block });
        if (row.path !== 'commit_hash') continue;
      }
      if (row.path === 'commit_hash') out.push(await this.#revealIfDue(row));
    }
    return out;
  }

  async #revealIfDue(p: WeightSetting): Promise<FollowUpOutcome> {
    const { client, netuid, hotkey } = this.#o;
    const onChain = await client.weights.hashCommits(netuid, hotkey.address, p.mecid);
    const stored = onChain.find((c) => c.hash === p.commitHash);
    if (!stored) return this.#fail(p, 'the commit is not on chain (never included, or expired)');
    if (stored.window === 'waiting') {
      this.#log.debug({ id: p.id, firstRevealBlock: stored.firstRevealBlock }, 'reveal not due');
      return { kind: 'waiting', id: p.id, firstRevealBlock: stored.firstRevealBlock };
    }
    if (stored.window === 'expired') return this.#fail(p, 'its reveal window has closed');
    try {
      const prepared = preparedOf(p, hotkey);
      if (prepared.path !== 'commit_hash') throw new Error('not a hash commit');
      const receipt = await client.weights.reveal(hotkey, prepared);
      await this.#o.storage.weights.markRevealed(p.id, receipt.blockNumber, this.#now());
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

  async #fail(p: WeightSetting, error: string): Promise<FollowUpOutcome> {
    await this.#o.storage.weights.markFailed(p.id, error, this.#now());
    this.#log.warn({ id: p.id, hash: p.commitHash }, `pending commit dropped: ${error}`);
    return { kind: 'failed', id: p.id, error };
  }
}

/** The prepared weights a stored row was made from (what `landing` and `reveal` need). */
function preparedOf(row: WeightSetting, hotkey: KeyringPair): PreparedWeights {
  const base = {
    netuid: row.netuid,
    mecid: row.mecid,
    hotkey: hotkey.address,
    uid: row.uid ?? 0,
    uids: row.uids,
    values: row.weights,
    versionKey: BigInt(row.versionKey),
    atBlock: row.preparedBlock ?? 0,
  };
  if (row.path === 'set') return { ...base, path: 'set' };
  if (row.path === 'commit_hash') {
    return {
      ...base,
      path: 'commit_hash',
      salt: row.salt ?? [],
      hash: (row.commitHash ?? '0x') as `0x${string}`,
      revealBlock: row.revealAfterBlock ?? 0,
    };
  }
  return {
    ...base,
    path: 'commit_timelocked',
    commit: (row.commitData ?? '0x') as `0x${string}`,
    hash: (row.commitHash ?? '0x') as `0x${string}`,
    revealRound: BigInt(row.revealRound ?? 0),
    commitRevealVersion: undefined,
    revealBlock: row.revealAfterBlock ?? 0,
  };
}
