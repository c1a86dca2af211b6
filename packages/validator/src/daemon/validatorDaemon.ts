/**
 * The validator's loop on the chain side: the metagraph followed into storage; on every snapshot
 * the stored commits whose reveal window is open are revealed; at each new scoring period the
 * work loop (when plugged in) runs and its scores are stored, then the weights are set from
 * storage. The last period handled is kept in storage, so a restart does not set twice.
 *
 * Setting weights never waits on miner I/O: the work loop keeps its own deadline inside the
 * period, and should it overrun the period's wall time anyway (`blockMs` × blocks left, plus a
 * grace of `overrunGraceMs`), its signal is aborted and the weights are set from what is stored.
 */
import type { ChainClient, KeyringPair, Metagraph, WeightsPath } from '@subnet/chain';
import type { WeightConfig } from '@subnet/scoring';
import type { Logger } from 'pino';
import type { Repositories } from '../storage/openStorage';
import { WeightSetter, type WeightsOutcome } from '../weights/weightSetter';
import { type MetagraphSync, startMetagraphSync } from './metagraphSync';
import type { PeriodScores, WorkLoop } from './workLoop';

export const LAST_PERIOD_KEY = 'daemon.lastPeriod';

export interface ValidatorDaemonOptions {
  client: ChainClient;
  storage: Repositories;
  netuid: number;
  hotkey: KeyringPair;
  logger: Logger;
  periodBlocks: number;
  metagraphEveryBlocks?: number;
  workLoop?: WorkLoop;
  versionKey?: bigint;
  taskShares?: Readonly<Record<string, number>>;
  /** Per mechanism (mecid), its own task shares. */
  mechanismShares?: Readonly<Record<number, Readonly<Record<string, number>>>>;
  /** Force a weights path (default: the one the chain asks for). */
  weightsPath?: WeightsPath;
  weightConfig?: WeightConfig;
  /** Wall time of one block, for the work loop's overrun guard (default 12 000). */
  blockMs?: number;
  /** How long past the period's wall time the work loop may run before it is aborted (ms). */
  overrunGraceMs?: number;
  now?: () => number;
  /** Called when a period's weights were handled (set, committed, skipped or failed). */
  onPeriodDone?: (period: number, outcome: WeightsOutcome) => void;
}

export class ValidatorDaemon {
  readonly #o: ValidatorDaemonOptions;
  readonly #log: Logger;
  readonly #weights: WeightSetter;
  readonly #abort = new AbortController();
  readonly #now: () => number;
  #sync: MetagraphSync | undefined;
  #running: Promise<void> | undefined;
  /** The newest period whose work this process started. */
  #started: number | undefined;
  /** Who waits for a block (the weights wait for their period's last block). */
  #blockWaiters: Array<{ block: number; resolve: () => void }> = [];
  /** The weights being sent, one period after the other. */
  #weighing: Promise<void> = Promise.resolve();

  constructor(options: ValidatorDaemonOptions) {
    this.#o = options;
    this.#log = options.logger.child({ module: 'daemon' });
    this.#now = options.now ?? Date.now;
    this.#weights = new WeightSetter({
      client: options.client,
      storage: options.storage,
      netuid: options.netuid,
      hotkey: options.hotkey,
      logger: options.logger,
      ...(options.versionKey === undefined ? {} : { versionKey: options.versionKey }),
      ...(options.taskShares ? { taskShares: options.taskShares } : {}),
      ...(options.mechanismShares ? { mechanismShares: options.mechanismShares } : {}),
      ...(options.weightsPath ? { path: options.weightsPath } : {}),
      ...(options.weightConfig ? { weightConfig: options.weightConfig } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  }

  get weights(): WeightSetter {
    return this.#weights;
  }

  /** The newest metagraph written to storage. */
  metagraph(): Metagraph | undefined {
    return this.#sync?.latest();
  }

  /** Starts following the chain; resolves once the first metagraph is in storage. */
  async start(): Promise<Metagraph> {
    this.#sync = await startMetagraphSync({
      client: this.#o.client,
      storage: this.#o.storage,
      netuid: this.#o.netuid,
      logger: this.#o.logger,
      ...(this.#o.metagraphEveryBlocks ? { everyBlocks: this.#o.metagraphEveryBlocks } : {}),
      ...(this.#o.now ? { now: this.#o.now } : {}),
      onSynced: (mg) => this.#onSnapshot(mg),
    });
    return this.#sync.first;
  }

  /** Resolves once a metagraph at or past `block` was seen (or the daemon stops). */
  #blockSeen(block: number): Promise<void> {
    const latest = this.#sync?.latest()?.block;
    if ((latest !== undefined && latest >= block) || this.#abort.signal.aborted)
      return Promise.resolve();
    return new Promise((resolve) => this.#blockWaiters.push({ block, resolve }));
  }

  async #onSnapshot(mg: Metagraph): Promise<void> {
    for (const w of this.#blockWaiters.filter((x) => mg.block >= x.block)) w.resolve();
    this.#blockWaiters = this.#blockWaiters.filter((x) => mg.block < x.block);
    if (this.#abort.signal.aborted) return;
    await this.#weights.followUp();
    if (this.#running) return;
    const period = Math.floor(mg.block / this.#o.periodBlocks);
    if (this.#started !== undefined && period <= this.#started) return;
    const last = await this.#o.storage.state.get<number>(LAST_PERIOD_KEY);
    if (last !== undefined && period <= last) return;
    if (this.#running) return;
    this.#started = period;
    this.#running = this.#runPeriod(period, mg).finally(() => {
      this.#running = undefined;
    });
  }

  /**
   * The period's work, then its weights. The weights are sent without holding up the next
   * period: its work starts at its first block even while the chain is still including them
   * (they are sent one period after the other, never two at once).
   */
  async #runPeriod(period: number, mg: Metagraph): Promise<void> {
    const { storage, workLoop } = this.#o;
    const log = this.#log.child({ period });
    try {
      if (workLoop) {
        const scores = await this.#work(workLoop, period, mg, log);
        if (scores) {
          const written = await storage.scores.recordPeriod(scores.scores);
          log.info({ scores: scores.scores.length, written }, 'period scored');
        }
      }
    } catch (err) {
      log.error({ err }, 'period work failed; the weights come from the scores stored');
    }
    if (this.#abort.signal.aborted) return;
    this.#weighing = this.#weighing.then(() => this.#setWeights(period, log));
  }

  async #setWeights(period: number, log: Logger): Promise<void> {
    let outcome: WeightsOutcome | undefined;
    // On the chain's schedule, not the wall clock's: sent once the period's last block is seen,
    // so they land at the same block of every period however fast its work went.
    await this.#blockSeen((period + 1) * this.#o.periodBlocks - 1);
    if (this.#abort.signal.aborted) return;
    try {
      outcome = await this.#weights.setForLatestPeriod();
    } catch (err) {
      log.error({ err }, 'weights failed; the next period tries again');
    }
    // Handled, whatever the outcome: a failure is retried at the next period, not every block.
    await this.#o.storage.state
      .set(LAST_PERIOD_KEY, period, this.#now())
      .catch((err: unknown) => log.warn({ err }, 'could not record the period as handled'));
    if (outcome) this.#o.onPeriodDone?.(period, outcome);
  }

  /**
   * The period's work under the overrun guard: resolves with its scores, or undefined when it
   * overran (it is aborted, and the weights come from the scores already stored).
   */
  async #work(
    workLoop: WorkLoop,
    period: number,
    mg: Metagraph,
    log: Logger,
  ): Promise<PeriodScores | undefined> {
    const startBlock = period * this.#o.periodBlocks;
    const blocksLeft = Math.max(1, startBlock + this.#o.periodBlocks - mg.block);
    const limitMs = blocksLeft * (this.#o.blockMs ?? 12_000) + (this.#o.overrunGraceMs ?? 10_000);
    const overrun = new AbortController();
    const signal = AbortSignal.any([this.#abort.signal, overrun.signal]);
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        log.error(
          { limitMs },
          'the work loop overran its period: aborted; weights are set from the stored scores',
        );
        overrun.abort();
        resolve(undefined);
      }, limitMs);
    });
    try {
      return await Promise.race([
        workLoop.runPeriod({
          period,
          startBlock,
          periodBlocks: this.#o.periodBlocks,
          metagraph: mg,
          storage: this.#o.storage,
          signal,
          logger: log,
        }),
        guard,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops following the chain and waits for the period in progress (its work loop is aborted). */
  async stop(): Promise<void> {
    this.#abort.abort();
    for (const w of this.#blockWaiters.splice(0)) w.resolve();
    await this.#sync?.stop();
    await this.#running;
    await this.#weighing;
  }
}
