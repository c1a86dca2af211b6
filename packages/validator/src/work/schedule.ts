/**
 * Scheduling a period's work. Each miner answers Capacity with, per task kind, the volume it
 * offers this validator for the period; the plan spreads that many synthetic queries evenly over
 * the period (query j of n at start + (j + 1/2) * period / n). A share of them are merged into
 * head-to-head pairs: the same task to two miners at the time of the first, each miner's query
 * count unchanged.
 *
 * Organic requests and fallbacks take the same budget: `takeQuery` picks the miner with the most
 * spare capacity (budget minus what was already sent to it this period), records the use and
 * cancels that miner's next planned synthetic query of the kind, so organic work replaces
 * synthetic work and nobody is sent more than it offered. Everything here is pure: every
 * function returns a new plan.
 */
import type { TaskKind } from '@subnet/protocol/tasks';
import { WorkError, WorkErrorCode } from './errors';

export interface MinerCapacity {
  uid: number;
  /**
   * Per task kind, the volume offered to this validator for the period (Capacity's answer) and
   * the model its tasks name: only miners asked for the same model are paired head to head.
   */
  capacities: Partial<Record<TaskKind, { volume: number; model?: string }>>;
}

export interface PlanOptions {
  startMs: number;
  periodMs: number;
  /** Volume units one query of the kind costs (default 1: volume counts queries). */
  costs?: Partial<Record<TaskKind, number>>;
  /** Share of a kind's queries merged into head-to-head pairs, in [0, 1] (default 0). */
  headToHeadShare?: number;
}

/** One planned query: the task goes to `uids[0]`, and also to `uids[1]` in a head-to-head pair. */
export interface PlannedQuery {
  atMs: number;
  kind: TaskKind;
  uids: readonly number[];
}

export interface PeriodPlan {
  readonly startMs: number;
  readonly periodMs: number;
  readonly costs: Readonly<Partial<Record<TaskKind, number>>>;
  /** Units offered, by `uid:kind`. */
  readonly budgets: ReadonlyMap<string, number>;
  /** Units sent so far this period, by `uid:kind`. */
  readonly used: ReadonlyMap<string, number>;
  /** Planned synthetic queries not yet sent, by time, first uid, then kind. */
  readonly queries: readonly PlannedQuery[];
}

const key = (uid: number, kind: TaskKind) => `${uid}:${kind}`;

function costOf(costs: PlanOptions['costs'], kind: TaskKind): number {
  return costs?.[kind] ?? 1;
}

function byTime(a: PlannedQuery, b: PlannedQuery): number {
  return (
    a.atMs - b.atMs ||
    (a.uids[0] as number) - (b.uids[0] as number) ||
    (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0)
  );
}

/**
 * Merges every `1/share`-th query of a kind with the next later query of another miner asked for
 * the same model (`sameModel`): a pair shares one task, which names one model.
 */
function pairUp(
  queries: PlannedQuery[],
  share: number,
  sameModel: (kind: TaskKind, a: number, b: number) => boolean,
): PlannedQuery[] {
  if (share <= 0) return queries;
  const every = Math.max(1, Math.round(1 / share));
  const out: PlannedQuery[] = [];
  const kinds = [...new Set(queries.map((q) => q.kind))];
  for (const kind of kinds) {
    const list = queries.filter((q) => q.kind === kind);
    const taken = new Set<number>();
    let counter = 0;
    for (let i = 0; i < list.length; i++) {
      if (taken.has(i)) continue;
      const q = list[i] as PlannedQuery;
      counter++;
      if (counter % every === 0) {
        const j = list.findIndex(
          (p, k) =>
            k > i &&
            !taken.has(k) &&
            p.uids[0] !== q.uids[0] &&
            sameModel(kind, q.uids[0] as number, p.uids[0] as number),
        );
        if (j >= 0) {
          taken.add(j);
          out.push({
            ...q,
            uids: [q.uids[0] as number, (list[j] as PlannedQuery).uids[0] as number],
          });
          continue;
        }
      }
      out.push(q);
    }
  }
  return out.sort(byTime);
}

/** The period's synthetic queries, spread in proportion to each miner's offered volume. */
export function planPeriod(miners: readonly MinerCapacity[], options: PlanOptions): PeriodPlan {
  if (!(options.periodMs > 0)) {
    throw new WorkError(WorkErrorCode.InvalidArgument, 'periodMs must be positive');
  }
  const share = options.headToHeadShare ?? 0;
  if (!(share >= 0 && share <= 1)) {
    throw new WorkError(WorkErrorCode.InvalidArgument, 'headToHeadShare must be in [0, 1]');
  }
  const budgets = new Map<string, number>();
  const models = new Map<string, string | undefined>();
  const queries: PlannedQuery[] = [];
  for (const miner of miners) {
    for (const [kind, capacity] of Object.entries(miner.capacities) as [
      TaskKind,
      { volume: number; model?: string },
    ][]) {
      if (!(capacity.volume > 0)) continue;
      budgets.set(key(miner.uid, kind), capacity.volume);
      models.set(key(miner.uid, kind), capacity.model);
      const n = Math.floor(capacity.volume / costOf(options.costs, kind));
      for (let j = 0; j < n; j++) {
        const atMs = options.startMs + Math.floor(((j + 0.5) * options.periodMs) / n);
        queries.push({ atMs, kind, uids: [miner.uid] });
      }
    }
  }
  return {
    startMs: options.startMs,
    periodMs: options.periodMs,
    costs: { ...options.costs },
    budgets,
    used: new Map(),
    queries: pairUp(
      queries.sort(byTime),
      share,
      (kind, a, b) => models.get(key(a, kind)) === models.get(key(b, kind)),
    ),
  };
}

/** Units of the kind the miner can still be sent this period. */
export function spareCapacity(plan: PeriodPlan, uid: number, kind: TaskKind): number {
  const k = key(uid, kind);
  return (plan.budgets.get(k) ?? 0) - (plan.used.get(k) ?? 0);
}

/**
 * Miners that can take one more query of the kind, most spare capacity first (ties: lower uid),
 * leaving out `exclude` (miners that already failed this request): the fallback order.
 */
export function candidates(
  plan: PeriodPlan,
  kind: TaskKind,
  exclude: Iterable<number> = [],
): number[] {
  const skip = new Set(exclude);
  const cost = costOf(plan.costs, kind);
  const uids: number[] = [];
  for (const k of plan.budgets.keys()) {
    const [uidText, kindText] = k.split(':') as [string, string];
    const uid = Number(uidText);
    if (kindText === kind && !skip.has(uid) && spareCapacity(plan, uid, kind) >= cost)
      uids.push(uid);
  }
  return uids.sort((a, b) => spareCapacity(plan, b, kind) - spareCapacity(plan, a, kind) || a - b);
}

/** The plan after sending a planned query (it leaves the plan; its miners' use grows). */
export function markSent(plan: PeriodPlan, query: PlannedQuery): PeriodPlan {
  const used = new Map(plan.used);
  for (const uid of query.uids) {
    used.set(
      key(uid, query.kind),
      (used.get(key(uid, query.kind)) ?? 0) + costOf(plan.costs, query.kind),
    );
  }
  return { ...plan, used, queries: plan.queries.filter((q) => q !== query) };
}

/**
 * Takes one unplanned query of the kind at `atMs` (organic work, or a fallback after a failed
 * miner): the miner with the most spare capacity outside `exclude`, or undefined when none has
 * room. Its next planned synthetic query of the kind at or after `atMs` is cancelled (dropped,
 * or reduced to its partner when it was a pair).
 */
export function takeQuery(
  plan: PeriodPlan,
  kind: TaskKind,
  atMs: number,
  exclude: Iterable<number> = [],
): { plan: PeriodPlan; uid: number } | undefined {
  const uid = candidates(plan, kind, exclude)[0];
  if (uid === undefined) return undefined;
  return { plan: takeQueryFor(plan, kind, atMs, uid), uid };
}

/** `takeQuery` for a given miner (replaying a take on a newer plan). */
export function takeQueryFor(
  plan: PeriodPlan,
  kind: TaskKind,
  atMs: number,
  uid: number,
): PeriodPlan {
  const k = key(uid, kind);
  const used = new Map(plan.used).set(k, (plan.used.get(k) ?? 0) + costOf(plan.costs, kind));
  const index = plan.queries.findIndex(
    (q) => q.kind === kind && q.atMs >= atMs && q.uids.includes(uid),
  );
  const queries = [...plan.queries];
  if (index >= 0) {
    const q = plan.queries[index] as PlannedQuery;
    const rest = q.uids.filter((u) => u !== uid);
    if (rest.length === 0) queries.splice(index, 1);
    else queries[index] = { ...q, uids: rest };
  }
  return { ...plan, used, queries };
}

/** Planned queries due in [fromMs, toMs). */
export function dueQueries(plan: PeriodPlan, fromMs: number, toMs: number): PlannedQuery[] {
  return plan.queries.filter((q) => q.atMs >= fromMs && q.atMs < toMs);
}
