/**
 * The work loop the daemon runs each scoring period: the serving miners of the period's
 * metagraph are asked their Capacity (one that does not answer keeps its last offer),
 * `planPeriod` spreads the offered volume over the period's remaining wall time, each planned query is sent at its time (synthetic task from this validator's seed
 * range, fallback, check by reproduction with the validator's own models, head-to-head), and the
 * stored results are folded into the period's scores. Organic work takes from the same plan
 * (`takeOrganic`): the miner with the most spare capacity, whose next synthetic query of the kind
 * is dropped, so organic work replaces synthetic work. The daemon aborts `ctx.signal` to stop:
 * the remaining queries are dropped and what was answered is still scored.
 */
import type { Metagraph } from '@subnet/chain';
import { Dendrite, type Hotkey } from '@subnet/protocol';
import type { TaskCapacity, TaskKind } from '@subnet/protocol/tasks';
import type { CheckModels } from '../work/checkTypes';
import { foldPeriodScores } from '../work/periodScores';
import { queryCapacity } from '../work/queryCapacity';
import type { MinerTarget } from '../work/queryMiner';
import { runPlannedQuery, type WorkDeps } from '../work/runPlannedQuery';
import {
  type MinerCapacity,
  type PeriodPlan,
  planPeriod,
  takeQuery,
  takeQueryFor,
} from '../work/schedule';
import type { SyntheticProfile } from '../work/syntheticTasks';
import { taskSeedAt } from '../work/taskSeeds';
import type { PeriodContext, PeriodScores, WorkLoop } from './workLoop';

/** The stored index of the next synthetic seed, so a restart does not repeat seeds. */
export const SEED_INDEX_KEY = 'work.seedIndex';
/**
 * When the newest period's work began: a validator restarted mid-period scores the answers it
 * had before the restart along with the rest, instead of starting the period's window afresh.
 */
export const PERIOD_START_KEY = 'work.periodStart';

export interface WorkLoopOptions {
  /** The validator's hotkey: signs the queries; its uid picks the seed range. */
  hotkey: Hotkey;
  /** The validator's own models, for checking by reproduction. */
  models: CheckModels;
  /** Wall time of one block: the queries are spread over the blocks left in the period. */
  blockMs: number;
  /** Share of the period's remaining wall time the queries are spread over (default 0.8). */
  spread?: number;
  /** Share of single answers checked by reproduction (default 0.5). */
  checkShare?: number;
  /** Share of queries sent to two miners at once (default 0.25). */
  headToHeadShare?: number;
  /** Narrows the synthetic tasks (e.g. small sizes for test models). */
  profile?: Partial<SyntheticProfile>;
  /** Capacity question timeout in seconds (default the dendrite's). */
  capacityTimeoutS?: number;
  random?: () => number;
  now?: () => number;
}

export type Capacities = Partial<Record<TaskKind, TaskCapacity>>;

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

export class PeriodWorkLoop implements WorkLoop {
  readonly #o: WorkLoopOptions;
  readonly #dendrite: Dendrite;
  readonly #now: () => number;
  /** Each miner's last Capacity answer, by uid (with the hotkey that gave it). */
  readonly #lastAnswers = new Map<number, { hotkey: string; capacities: Capacities }>();
  /** The running period's plan (undefined between periods). */
  #plan: PeriodPlan | undefined;
  /** Organic takes since the current step began, replayed on the plan the step returns. */
  #organicTakes: Array<{ kind: TaskKind; uid: number; atMs: number }> = [];

  constructor(options: WorkLoopOptions) {
    this.#o = options;
    this.#dendrite = new Dendrite({ hotkey: options.hotkey });
    this.#now = options.now ?? Date.now;
  }

  async runPeriod(ctx: PeriodContext): Promise<PeriodScores> {
    const { metagraph: mg, storage, signal } = ctx;
    const log = ctx.logger.child({ module: 'work' });
    const periodStartMs = await this.#periodStart(ctx);
    const startMs = this.#now();
    const self = mg.neurons.find((n) => n.hotkey === this.#o.hotkey.address);
    const validatorUid = self?.uid ?? 0;
    const targets = new Map(servingTargets(mg, this.#o.hotkey.address).map((t) => [t.uid, t]));

    const answers = new Map<number, Capacities>();
    await Promise.all(
      [...targets.values()].map(async (t) => {
        const timeout =
          this.#o.capacityTimeoutS === undefined ? {} : { timeoutS: this.#o.capacityTimeoutS };
        const answer = await queryCapacity(this.#dendrite, t, timeout).catch(() => undefined);
        if (answer) answers.set(t.uid, answer);
      }),
    );
    // A serving miner that did not answer keeps last period's offer: its planned queries fail
    // and it is observed at 0, instead of keeping its average by staying silent.
    for (const t of targets.values()) {
      const last = this.#lastAnswers.get(t.uid);
      if (answers.has(t.uid))
        this.#lastAnswers.set(t.uid, {
          hotkey: t.hotkey,
          capacities: answers.get(t.uid) as Capacities,
        });
      else if (last && last.hotkey === t.hotkey) answers.set(t.uid, last.capacities);
    }
    const miners: MinerCapacity[] = [...answers].map(([uid, capacities]) => ({ uid, capacities }));
    // The period's remaining wall time (the first period may begin mid-way).
    const blocksLeft = Math.max(1, ctx.startBlock + ctx.periodBlocks - mg.block);
    const periodMs = blocksLeft * this.#o.blockMs * (this.#o.spread ?? 0.8);
    // Resumed after a restart: what each miner already answered this period is not asked again.
    const done =
      periodStartMs < startMs ? await storage.results.summarize(periodStartMs, startMs) : [];
    const remaining = miners.map((m) => ({
      uid: m.uid,
      capacities: Object.fromEntries(
        Object.entries(m.capacities).map(([kind, c]) => {
          const sent = done.find((d) => d.uid === m.uid && d.taskKind === kind)?.total ?? 0;
          return [kind, { volume: Math.max(0, (c?.volume ?? 0) - sent) }];
        }),
      ),
    }));
    this.#plan = planPeriod(remaining, {
      startMs,
      periodMs,
      headToHeadShare: this.#o.headToHeadShare ?? 0.25,
    });
    log.info(
      { serving: targets.size, answered: answers.size, planned: this.#plan.queries.length },
      'period planned',
    );

    const deps: WorkDeps = {
      dendrite: this.#dendrite,
      results: storage.results,
      comparisons: storage.comparisons,
      models: this.#o.models,
      targets,
      modelFor: (uid, kind) => answers.get(uid)?.[kind]?.models[0],
      ...(this.#o.profile ? { profile: this.#o.profile } : {}),
      checkShare: this.#o.checkShare ?? 0.5,
      random: this.#o.random ?? Math.random,
      now: this.#now,
      log,
    };
    let index = (await storage.state.get<number>(SEED_INDEX_KEY)) ?? 0;
    let sent = 0;
    // Each step sends the earliest query still planned (a fallback or organic work may cancel
    // a later one, or this one while it waits).
    const next = () => this.#plan?.queries[0];
    for (let query = next(); query && !signal.aborted; query = next()) {
      await sleep(query.atMs - this.#now(), signal);
      if (signal.aborted) break;
      const plan = this.#plan as PeriodPlan;
      if (!plan.queries.includes(query)) continue;
      const seed = taskSeedAt(validatorUid, index++);
      await storage.state.set(SEED_INDEX_KEY, index, this.#now());
      this.#organicTakes = [];
      let stepped: PeriodPlan;
      try {
        stepped = (await runPlannedQuery(deps, plan, query, seed)).plan;
      } catch (err) {
        log.warn({ err, kind: query.kind, uids: query.uids }, 'query step failed');
        stepped = { ...plan, queries: plan.queries.filter((q) => q !== query) };
      }
      // Organic work taken while the query ran is taken again from the plan the step returned.
      for (const t of this.#organicTakes) stepped = takeQueryFor(stepped, t.kind, t.atMs, t.uid);
      this.#organicTakes = [];
      this.#plan = stepped;
      sent++;
    }
    this.#plan = undefined;

    const nowMs = this.#now();
    const folded = await foldPeriodScores(storage, {
      period: ctx.period,
      nowMs,
      fromMs: periodStartMs,
      toMs: nowMs + 1,
      hotkeys: new Map(mg.neurons.map((n) => [n.uid, n.hotkey])),
      offered: new Map(
        miners.map((m) => [
          m.uid,
          Object.fromEntries(Object.entries(m.capacities).map(([k, c]) => [k, c?.volume ?? 0])),
        ]),
      ),
    });
    log.info({ sent, rows: folded.periodRows.length, aborted: signal.aborted }, 'period folded');
    return { period: ctx.period, scores: folded.periodRows };
  }

  takeOrganic(kind: TaskKind, exclude: readonly number[]): number | undefined {
    if (!this.#plan) return undefined;
    const atMs = this.#now();
    const taken = takeQuery(this.#plan, kind, atMs, exclude);
    if (!taken) return undefined;
    this.#plan = taken.plan;
    this.#organicTakes.push({ kind, uid: taken.uid, atMs });
    return taken.uid;
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

export function createWorkLoop(options: WorkLoopOptions): PeriodWorkLoop {
  return new PeriodWorkLoop(options);
}
