/**
 * One step of the work loop: a planned query becomes a synthetic task (seeded from the
 * validator's own range), goes to its miner (or its pair of miners), falls back to the miner with
 * the most spare capacity when a miner fails, is checked by reproduction when sampled (always for
 * pairs, which need a quality for the comparison), and is stored with its check; a pair also
 * stores its head-to-head preference. The daemon calls this for each due query of the plan.
 */
import type { Dendrite } from '@subnet/protocol';
import type { TaskKind } from '@subnet/protocol/tasks';
import type { Logger } from 'pino';
import type { ComparisonsRepo, TaskResultsRepo } from '../storage/index';
import { CHECKABLE_KINDS, checkResult, headToHead, storeOutcome } from './checkResult';
import type { CheckModels, CheckOutcome } from './checkTypes';
import { type MinerTarget, type QueryOutcome, queryMiner } from './queryMiner';
import { markSent, type PeriodPlan, type PlannedQuery, takeQuery } from './schedule';
import { type SyntheticProfile, syntheticTask } from './syntheticTasks';

export interface WorkDeps {
  dendrite: Dendrite;
  results: TaskResultsRepo;
  comparisons: ComparisonsRepo;
  models: CheckModels;
  /** Where each miner listens, by uid. */
  targets: ReadonlyMap<number, MinerTarget>;
  /** The model a miner serves for a kind (from its Capacity answer). */
  modelFor: (uid: number, kind: TaskKind) => string | undefined;
  profile?: Partial<SyntheticProfile>;
  /** Share of single answers checked by reproduction, in [0, 1]. */
  checkShare: number;
  /** Uniform [0, 1) draws for the check sample (the validator's own randomness). */
  random: () => number;
  now: () => number;
  log?: Logger;
}

export interface StepResult {
  plan: PeriodPlan;
  outcomes: QueryOutcome[];
  checks: (CheckOutcome | undefined)[];
}

async function check(
  deps: WorkDeps,
  task: { kind: TaskKind; input: Record<string, unknown> },
  outcome: QueryOutcome,
): Promise<CheckOutcome | undefined> {
  if (outcome.statusCode !== 200 || !outcome.outputs) return undefined;
  try {
    return await checkResult(deps.models, task, outcome.outputs);
  } catch (e) {
    deps.log?.warn(
      { err: e, kind: task.kind, uid: outcome.uid },
      'check failed on the validator side',
    );
    return undefined;
  }
}

export async function runPlannedQuery(
  deps: WorkDeps,
  plan: PeriodPlan,
  query: PlannedQuery,
  seed: number,
): Promise<StepResult> {
  let next = markSent(plan, query);
  const model = deps.modelFor(query.uids[0] as number, query.kind);
  const uids = query.uids.filter((uid) => deps.targets.has(uid));
  if (model === undefined || uids.length === 0) return { plan: next, outcomes: [], checks: [] };
  const task = await syntheticTask({
    kind: query.kind,
    seed,
    model,
    ...(deps.profile ? { profile: deps.profile } : {}),
  });
  const send = (uid: number) =>
    queryMiner(deps.dendrite, deps.targets.get(uid) as MinerTarget, task);
  const outcomes = await Promise.all(uids.map(send));
  // A single query that the miner failed goes to the next miner with spare capacity.
  if (outcomes.length === 1 && outcomes[0]?.fault === 'miner') {
    const taken = takeQuery(next, query.kind, query.atMs, uids);
    if (taken && deps.targets.has(taken.uid) && deps.modelFor(taken.uid, query.kind) === model) {
      next = taken.plan;
      outcomes.push(await send(taken.uid));
    }
  }
  const checkable = CHECKABLE_KINDS.includes(query.kind);
  const paired = outcomes.length > 1 && uids.length > 1;
  const checks: (CheckOutcome | undefined)[] = [];
  for (const outcome of outcomes) {
    const sampled = checkable && (paired || deps.random() < deps.checkShare);
    checks.push(sampled ? await check(deps, task, outcome) : undefined);
  }
  const nowMs = deps.now();
  for (const [i, outcome] of outcomes.entries()) {
    const c = checks[i];
    await storeOutcome(deps.results, outcome, { nowMs, ...(c ? { check: c } : {}) });
  }
  if (paired) {
    await headToHead(
      deps.comparisons,
      outcomes.map((outcome, i) => ({ outcome, quality: checks[i]?.score ?? 0 })),
      { nowMs, ...(deps.models.scoring ? { scoring: deps.models.scoring } : {}) },
    );
  }
  return { plan: next, outcomes, checks };
}
