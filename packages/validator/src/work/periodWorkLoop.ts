/**
 * The work loop the daemon runs each scoring period, bounded in size and time whatever miners do:
 *
 * 1. The serving miners of the period's metagraph are asked their Capacity, all at once under
 *    the query concurrency. Each answer is bounded (`boundCapacities`: the kind's maximum, the
 *    tested share) and stored with what was refused or capped; a miner that does not answer keeps
 *    its last accepted offer, so staying silent does not keep its average.
 * 2. `planPeriod` spreads the bounded volumes (scaled to the period's `maxQueries`) over the
 *    `spread` share of the period's remaining wall time.
 * 3. Each planned query is started at its time while fewer than `concurrency` queries are in
 *    flight, and fewer than `perMinerConcurrency` to each of its miners; a query whose miner is
 *    still busy waits for it. Every query runs under the kind's deadline and the period's own
 *    deadline (`deadlineShare` of the remaining wall time). Checks by reproduction run at most
 *    `checkConcurrency` at once and none starts after the deadline.
 * 4. At the deadline the loop stops waiting: queries never sent are dropped (a miner whose own
 *    earlier queries held it busy gets them as timeouts), checks not run leave their answers
 *    unchecked. The validator's own outages are excused (`findOutages`), and the stored results
 *    are folded into the period's scores with the per-kind costs and expected seconds.
 *
 * Organic work takes from the same plan (`takeOrganic`). The daemon aborts `ctx.signal` to stop:
 * queries in flight are cancelled and what was answered is still scored.
 */
import { performance } from 'node:perf_hooks';
import type { Metagraph } from '@subnet/chain';
import { Dendrite, type Hotkey, StatusCode } from '@subnet/protocol';
import type { TaskKind } from '@subnet/protocol/tasks';
import type { Logger } from 'pino';
import type { PeriodContext, PeriodScores, WorkLoop } from '../daemon/workLoop';
import type { CheckModels } from './checkTypes';
import { findOutages } from './outages';
import { foldPeriodScores } from './periodScores';
import { type BoundedCapacity, boundCapacities, fitToBudget, queryCapacity } from './queryCapacity';
import type { MinerTarget } from './queryMiner';
import { runPlannedQuery, type Step, type WorkDeps } from './runPlannedQuery';
import { markSent, type PeriodPlan, type PlannedQuery, planPeriod, takeQuery } from './schedule';
import { Slots } from './slots';
import type { SyntheticProfile } from './syntheticTasks';
import { taskSeedAt } from './taskSeeds';
import type { WorkMetrics } from './workMetrics';
import { DEFAULT_WORK_SETTINGS, perKind, type WorkSettings } from './workSettings';

/** The stored index of the next synthetic seed, so a restart does not repeat seeds. */
export const SEED_INDEX_KEY = 'work.seedIndex';
/**
 * When the newest period's work began: a validator restarted mid-period scores the answers it
 * had before the restart along with the rest, instead of starting the period's window afresh.
 */
export const PERIOD_START_KEY = 'work.periodStart';

/** Shortest time before the deadline a query is still sent with (periods of any length). */
const QUERY_MIN_MS = 1_000;
/** Longest wait for in-flight answers to be stored once the deadline passed. */
const STORE_GRACE_MS = 2_000;

export interface WorkLoopOptions {
  /** The validator's hotkey: signs the queries; its uid picks the seed range. */
  hotkey: Hotkey;
  /** The validator's own models, for checking by reproduction. */
  models: CheckModels;
  /** Wall time of one block: the queries are spread over the blocks left in the period. */
  blockMs: number;
  /** Bounds, deadlines and per-kind timing (default `DEFAULT_WORK_SETTINGS`). */
  settings?: WorkSettings;
  /** Share of single answers checked by reproduction (default 0.5). */
  checkShare?: number;
  /** Share of queries sent to two miners at once (default 0.25). */
  headToHeadShare?: number;
  /** Narrows the synthetic tasks (e.g. small sizes for test models). */
  profile?: Partial<SyntheticProfile>;
  /** Capacity question timeout in seconds (default the dendrite's). */
  capacityTimeoutS?: number;
  /** Where the loop reports what it did (the daemon's Prometheus metrics). */
  metrics?: WorkMetrics;
  random?: () => number;
  now?: () => number;
}

/** What one period did, for logs, metrics and the bench. */
export interface PeriodReport {
  period: number;
  serving: number;
  answeredCapacity: number;
  planned: number;
  sent: number;
  /** Planned queries not sent by the deadline (organic takes and fallbacks excluded). */
  unsent: number;
  /** Answers sampled for a check that was not run by the deadline. */
  checksSkipped: number;
  /** Results excused as the validator's own outage. */
  excused: number;
  /** Wall time of the period's work, ms. */
  wallMs: number;
  /** Share of that wall time the event loop was busy (the validator's own work). */
  busyShare: number;
}

/** Serving miners of the metagraph other than `self` (an unserved axon is 0.0.0.0 or port 0). */
export function servingTargets(mg: Metagraph, self: string): MinerTarget[] {
  return mg.neurons
    .filter((n) => n.hotkey !== self && n.axon.port > 0 && n.axon.ip !== '0.0.0.0')
    .map((n) => ({ uid: n.uid, hotkey: n.hotkey, ip: n.axon.ip, port: n.axon.port }));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Resolves when every promise settled, or when `signal` aborts, whichever first. */
function settledOrAborted(
  promises: Iterable<Promise<unknown>>,
  signal: AbortSignal,
): Promise<void> {
  const all = Promise.allSettled([...promises]).then(() => undefined);
  if (signal.aborted) return Promise.resolve();
  return Promise.race([all, new Promise<void>((r) => signal.addEventListener('abort', () => r()))]);
}

export class PeriodWorkLoop implements WorkLoop {
  readonly #o: WorkLoopOptions;
  readonly #settings: WorkSettings;
  readonly #dendrite: Dendrite;
  readonly #now: () => number;
  readonly #random: () => number;
  /** Each miner's last accepted Capacity answer, by uid (with the hotkey that gave it). */
  readonly #lastAnswers = new Map<number, { hotkey: string; bounded: BoundedCapacity }>();
  /** The running period's plan (undefined between periods). */
  #plan: PeriodPlan | undefined;
  #lastReport: PeriodReport | undefined;

  constructor(options: WorkLoopOptions) {
    this.#o = options;
    this.#settings = options.settings ?? DEFAULT_WORK_SETTINGS;
    this.#dendrite = new Dendrite({
      hotkey: options.hotkey,
      maxResponseBytes: this.#settings.maxAnswerBytes,
      connectionsPerAxon: this.#settings.perMinerConcurrency + 1,
    });
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  /** What the newest period did. */
  get lastReport(): PeriodReport | undefined {
    return this.#lastReport;
  }

  async runPeriod(ctx: PeriodContext): Promise<PeriodScores> {
    const { metagraph: mg, storage, signal: stop } = ctx;
    const log = ctx.logger.child({ module: 'work' });
    const settings = this.#settings;
    const elu0 = performance.eventLoopUtilization();
    const periodStartMs = await this.#periodStart(ctx);
    const startMs = this.#now();
    // The period's remaining wall time (the first period may begin mid-way).
    const blocksLeft = Math.max(1, ctx.startBlock + ctx.periodBlocks - mg.block);
    const wallMs = blocksLeft * this.#o.blockMs;
    // One block is kept for the weights extrinsic: the period started when its first metagraph
    // arrived, up to a block after its first block.
    const deadlineMs =
      startMs + Math.max(wallMs * settings.deadlineShare - this.#o.blockMs, wallMs / 2);
    const periodAbort = new AbortController();
    const onStop = () => periodAbort.abort();
    stop.addEventListener('abort', onStop, { once: true });
    if (stop.aborted) periodAbort.abort();
    const deadlineTimer = setTimeout(() => periodAbort.abort(), Math.max(0, deadlineMs - startMs));
    const periodSignal = periodAbort.signal;
    try {
      const self = mg.neurons.find((n) => n.hotkey === this.#o.hotkey.address);
      const validatorUid = self?.uid ?? 0;
      const targets = new Map(servingTargets(mg, this.#o.hotkey.address).map((t) => [t.uid, t]));
      const offers = await this.#askCapacities(ctx, targets, deadlineMs, stop);

      // A period joined part-way (the validator started mid-period) plans its share of the
      // offers, not all of them squeezed into what is left of it; a period resumed after a
      // restart plans what its start planned, less what was already answered.
      const share = periodStartMs < startMs ? 1 : Math.min(1, blocksLeft / ctx.periodBlocks);
      if (share < 1) {
        for (const [uid, b] of offers)
          offers.set(uid, {
            ...b,
            volumes: Object.fromEntries(
              Object.entries(b.volumes).map(([kind, v]) => [kind, Math.floor((v ?? 0) * share)]),
            ),
          });
      }
      // Resumed after a restart: what each miner already answered this period is not asked again.
      const done =
        periodStartMs < startMs ? await storage.results.summarize(periodStartMs, startMs) : [];
      const remaining = fitToBudget(
        [...offers].map(([uid, b]) => ({
          uid,
          volumes: Object.fromEntries(
            Object.entries(b.volumes).map(([kind, v]) => {
              const sent = done.find((d) => d.uid === uid && d.taskKind === kind)?.total ?? 0;
              return [kind, Math.max(0, (v ?? 0) - sent)];
            }),
          ) as Partial<Record<TaskKind, number>>,
        })),
        settings,
      );
      this.#plan = planPeriod(
        remaining.map((m) => ({
          uid: m.uid,
          capacities: Object.fromEntries(
            Object.entries(m.volumes).map(([kind, volume]) => [
              kind,
              { volume, model: offers.get(m.uid)?.models[kind as TaskKind] },
            ]),
          ),
        })),
        {
          startMs,
          // The last query is planned early enough to be answered before the deadline.
          periodMs: Math.max(
            1,
            Math.min(wallMs * settings.spread, (deadlineMs - startMs) * settings.spread),
          ),
          headToHeadShare: this.#o.headToHeadShare ?? 0.25,
          costs: perKind(settings, 'cost'),
        },
      );
      const planned = this.#plan.queries.length;
      log.info(
        { serving: targets.size, offers: offers.size, planned, deadlineMs },
        'period planned',
      );

      const deps: WorkDeps = {
        dendrite: this.#dendrite,
        results: storage.results,
        comparisons: storage.comparisons,
        models: this.#o.models,
        targets,
        modelFor: (uid, kind) => offers.get(uid)?.models[kind],
        ...(this.#o.profile ? { profile: this.#o.profile } : {}),
        checkShare: this.#o.checkShare ?? 0.5,
        random: this.#random,
        now: this.#now,
        settings,
        checkSlots: new Slots(settings.checkConcurrency),
        skipped: { checks: 0 },
        log,
      };
      const run = await this.#dispatch(ctx, deps, {
        validatorUid,
        deadlineMs,
        // A second, or a quarter of the period's working time when periods are very short.
        queryMinMs: Math.min(QUERY_MIN_MS, (deadlineMs - startMs) / 4),
        periodSignal,
        log,
      });

      // At the deadline: answers still arriving get a short grace to be stored; checks do not.
      const grace = new AbortController();
      const graceTimer = setTimeout(
        () => grace.abort(),
        Math.max(0, deadlineMs - this.#now()) + STORE_GRACE_MS,
      );
      await settledOrAborted(
        run.steps.map((s) => s.answered),
        AbortSignal.any([grace.signal, stop]),
      );
      await settledOrAborted(
        run.steps.map((s) => s.done),
        AbortSignal.any([periodSignal, stop]),
      );
      clearTimeout(graceTimer);
      // The period stays open to its deadline (organic work takes from its budget meanwhile), so
      // its weights are set at the same point of every period, however fast its work went.
      await sleep(deadlineMs - this.#now(), stop);
      this.#plan = undefined;

      const nowMs = this.#now();
      const excused = await this.#excuseOutages(ctx, periodStartMs, nowMs + 1, log);
      const folded = await foldPeriodScores(storage, {
        period: ctx.period,
        nowMs,
        fromMs: periodStartMs,
        toMs: nowMs + 1,
        hotkeys: new Map(mg.neurons.map((n) => [n.uid, n.hotkey])),
        offered: new Map([...offers].map(([uid, b]) => [uid, b.volumes])),
        costs: perKind(settings, 'cost'),
        expectedSeconds: perKind(settings, 'expectedSeconds'),
      });
      const elu = performance.eventLoopUtilization(elu0);
      const report: PeriodReport = {
        period: ctx.period,
        serving: targets.size,
        answeredCapacity: offers.size,
        planned,
        sent: run.sent,
        unsent: run.unsent,
        checksSkipped: deps.skipped.checks,
        excused,
        wallMs: this.#now() - startMs,
        busyShare: elu.utilization,
      };
      this.#lastReport = report;
      this.#o.metrics?.periodDone(report);
      log.info(
        { ...report, rows: folded.periodRows.length, stopped: stop.aborted },
        'period folded',
      );
      return { period: ctx.period, scores: folded.periodRows };
    } finally {
      clearTimeout(deadlineTimer);
      stop.removeEventListener('abort', onStop);
      this.#plan = undefined;
    }
  }

  /** Asks every serving miner its Capacity at once; the bounded offers by uid. */
  async #askCapacities(
    ctx: PeriodContext,
    targets: ReadonlyMap<number, MinerTarget>,
    deadlineMs: number,
    stop: AbortSignal,
  ): Promise<Map<number, BoundedCapacity>> {
    const settings = this.#settings;
    const slots = new Slots(settings.concurrency);
    const offers = new Map<number, BoundedCapacity>();
    const timeoutS = Math.max(
      0.05,
      Math.min(this.#o.capacityTimeoutS ?? 12, (deadlineMs - this.#now()) / 1000 / 4),
    );
    const [lo, hi] = settings.testShare;
    await Promise.all(
      [...targets.values()].map(async (t) => {
        const reply = await slots
          .run(stop, () => queryCapacity(this.#dendrite, t, { timeoutS, signal: stop }))
          .catch(() => undefined);
        if (!reply || stop.aborted) return;
        const last = this.#lastAnswers.get(t.uid);
        let bounded: BoundedCapacity | undefined;
        let reason: string | null;
        if (reply.ok) {
          bounded = boundCapacities(
            reply.capacities,
            settings,
            () => lo + (hi - lo) * this.#random(),
          );
          this.#lastAnswers.set(t.uid, { hotkey: t.hotkey, bounded });
          reason = bounded.notes.length > 0 ? bounded.notes.join('; ') : null;
        } else {
          // A miner that did not answer keeps last period's offer: its planned queries fail and
          // it is observed at 0, instead of keeping its average by staying silent.
          if (last && last.hotkey === t.hotkey) bounded = last.bounded;
          reason = `Capacity ${reply.statusCode}: ${reply.reason}`;
        }
        if (bounded) offers.set(t.uid, bounded);
        await ctx.storage.capacity
          .record({
            uid: t.uid,
            hotkey: t.hotkey,
            period: ctx.period,
            accepted: reply.ok,
            reason,
            volumes: bounded?.volumes ?? {},
            updatedMs: this.#now(),
          })
          .catch((err: unknown) => ctx.logger.warn({ err, uid: t.uid }, 'capacity not stored'));
      }),
    );
    return offers;
  }

  /**
   * Starts each planned query at its time within the concurrency bounds, until the plan is done
   * or the deadline passed; returns the steps started and what was left unsent.
   */
  async #dispatch(
    ctx: PeriodContext,
    deps: WorkDeps,
    o: {
      validatorUid: number;
      deadlineMs: number;
      /** Shortest time before the deadline a query is still sent with. */
      queryMinMs: number;
      periodSignal: AbortSignal;
      log: Logger;
    },
  ): Promise<{ steps: Step[]; sent: number; unsent: number }> {
    const settings = this.#settings;
    const { storage } = ctx;
    const global = new Slots(settings.concurrency);
    const busy = new Map<number, number>();
    const waiting: PlannedQuery[] = [];
    const steps: Step[] = [];
    let sent = 0;
    let index = (await storage.state.get<number>(SEED_INDEX_KEY)) ?? 0;
    let seedWrite: Promise<void> = Promise.resolve();
    let wake: () => void = () => undefined;
    const stepCtx = {
      deadlineMs: o.deadlineMs,
      stop: ctx.signal,
      period: o.periodSignal,
      fallback: (kind: TaskKind, atMs: number, exclude: readonly number[]) =>
        this.#take(kind, atMs, exclude),
    };
    const free = (uid: number) => (busy.get(uid) ?? 0) < settings.perMinerConcurrency;

    const start = (query: PlannedQuery) => {
      for (const uid of query.uids) busy.set(uid, (busy.get(uid) ?? 0) + 1);
      const seed = taskSeedAt(o.validatorUid, index++);
      const persisted = index;
      seedWrite = seedWrite
        .then(() => storage.state.set(SEED_INDEX_KEY, persisted, this.#now()))
        .catch((err: unknown) => o.log.warn({ err }, 'seed index not stored'));
      const before = seedWrite;
      const step = runPlannedQueryAfter(before, deps, query, seed, stepCtx);
      sent++;
      steps.push(step);
      void step.answered
        .then((outcomes) => this.#o.metrics?.queriesDone(outcomes))
        .finally(() => {
          global.give();
          for (const uid of query.uids) busy.set(uid, (busy.get(uid) ?? 1) - 1);
          wake();
        });
    };

    /** Starts waiting queries whose miners have room, while global slots are free. */
    const drainWaiting = () => {
      if (o.deadlineMs - this.#now() < o.queryMinMs) return;
      for (let i = 0; i < waiting.length; ) {
        const q = waiting[i] as PlannedQuery;
        if (q.uids.every(free) && global.tryTake()) {
          waiting.splice(i, 1);
          start(q);
        } else i++;
      }
    };

    for (;;) {
      drainWaiting();
      const query = this.#plan?.queries[0];
      if (!query || o.periodSignal.aborted) break;
      await sleep(query.atMs - this.#now(), o.periodSignal);
      // Too close to the deadline for an answer: what is left stays unsent.
      if (o.periodSignal.aborted || o.deadlineMs - this.#now() < o.queryMinMs) break;
      if (!this.#plan?.queries.includes(query)) continue; // organic work took it meanwhile
      this.#plan = markSent(this.#plan, query);
      const ready = query.uids.filter(free);
      const held = query.uids.filter((uid) => !free(uid));
      // A miner still busy with its own earlier queries waits for them; its partner goes now.
      for (const uid of held) waiting.push({ ...query, uids: [uid] });
      if (ready.length === 0) continue;
      const q = held.length === 0 ? query : { ...query, uids: ready };
      if (!(await global.take(o.periodSignal))) {
        waiting.push(q);
        break;
      }
      start(q);
    }
    // The plan is sent: what still waits for its miner is started as room frees, until the
    // deadline.
    o.periodSignal.addEventListener('abort', () => wake(), { once: true });
    while (waiting.length > 0 && !o.periodSignal.aborted) {
      drainWaiting();
      if (waiting.length === 0) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = () => undefined;
    }
    const unsentPlanned = this.#plan?.queries.length ?? 0;
    // Queries held back by their own miner's unanswered queries count as that miner's timeouts.
    if (!ctx.signal.aborted) await this.#recordHeld(deps, waiting);
    if (unsentPlanned + waiting.length > 0)
      o.log.warn(
        { unsent: unsentPlanned, heldByBusyMiner: waiting.length },
        'period deadline: queries not sent',
      );
    this.#o.metrics?.deadlineCutoffs(unsentPlanned + waiting.length);
    await seedWrite;
    return { steps, sent, unsent: unsentPlanned + waiting.length };
  }

  async #recordHeld(deps: WorkDeps, held: readonly PlannedQuery[]): Promise<void> {
    const nowMs = this.#now();
    for (const q of held) {
      for (const uid of q.uids) {
        const target = deps.targets.get(uid);
        if (!target) continue;
        await deps.results
          .record({
            taskId: `held-${q.kind}-${uid}-${q.atMs}`,
            taskKind: q.kind,
            uid,
            hotkey: target.hotkey,
            startedMs: q.atMs,
            statusCode: StatusCode.Timeout,
            error: 'not sent: the miner had not answered its earlier queries by the deadline',
            createdMs: nowMs,
          })
          .catch(() => undefined);
      }
    }
  }

  async #excuseOutages(
    ctx: PeriodContext,
    fromMs: number,
    toMs: number,
    log: Logger,
  ): Promise<number> {
    const rows = await ctx.storage.results.listTimings(fromMs, toMs);
    const spreadMs = Math.max(1, toMs - fromMs);
    const outages = findOutages(rows, { windowMs: Math.max(5_000, spreadMs / 4) });
    if (outages.length === 0) return 0;
    const excused = await ctx.storage.results.excuse(outages.flatMap((o) => o.ids));
    log.warn(
      {
        outages: outages.map((o) => ({
          from: new Date(o.fromMs).toISOString(),
          to: new Date(o.toMs).toISOString(),
          miners: o.uids.length,
        })),
        excused,
      },
      'every miner failed at once: the validator`s own outage, those results are not scored',
    );
    return excused;
  }

  #take(kind: TaskKind, atMs: number, exclude: readonly number[]): number | undefined {
    if (!this.#plan) return undefined;
    const taken = takeQuery(this.#plan, kind, atMs, exclude);
    if (!taken) return undefined;
    this.#plan = taken.plan;
    return taken.uid;
  }

  takeOrganic(kind: TaskKind, exclude: readonly number[]): number | undefined {
    return this.#take(kind, this.#now(), exclude);
  }

  unguided(model: string): boolean {
    return this.#o.models.diffusion?.(model)?.unguided === true;
  }

  /** The period's first start, kept in storage (the same after a restart within the period). */
  async #periodStart(ctx: PeriodContext): Promise<number> {
    const stored = await ctx.storage.state.get<{ period: number; startMs: number }>(
      PERIOD_START_KEY,
    );
    if (stored?.period === ctx.period) {
      ctx.logger.info(
        { period: ctx.period, since: new Date(stored.startMs).toISOString() },
        'resuming the period: answers stored before the restart are scored with the rest',
      );
      return stored.startMs;
    }
    const startMs = this.#now();
    await ctx.storage.state.set(PERIOD_START_KEY, { period: ctx.period, startMs }, startMs);
    return startMs;
  }

  /** Closes the dendrite's connections. */
  close(): Promise<void> {
    return this.#dendrite.close();
  }
}

/** A step started once its seed index is stored (a restart never repeats a seed). */
function runPlannedQueryAfter(
  before: Promise<void>,
  deps: WorkDeps,
  query: PlannedQuery,
  seed: number,
  ctx: Parameters<typeof runPlannedQuery>[3],
): Step {
  const step = before.then(() => runPlannedQuery(deps, query, seed, ctx));
  return {
    answered: step.then((s) => s.answered),
    done: step.then((s) => s.done),
  };
}

export function createWorkLoop(options: WorkLoopOptions): PeriodWorkLoop {
  return new PeriodWorkLoop(options);
}
