/**
 * One step of the work loop: a planned query becomes a synthetic task (seeded from the
 * validator's own range), goes to its miner (or its pair of miners) under the period's deadlines,
 * falls back to the miner with the most spare capacity when a miner fails, and every outcome is
 * stored at once. Then, when sampled (always for pairs, which need a quality for the comparison)
 * and while the period has time, the answers are checked by reproduction, one check slot at a
 * time, and a pair stores its head-to-head preference.
 *
 * The step resolves `answered` once its outcomes are stored and `done` once its checks are; the
 * period waits for the first up to its deadline and for the second only while time is left.
 */
import type { Dendrite } from '@subnet/protocol';
import type { TaskKind } from '@subnet/protocol/tasks';
import type { Logger } from 'pino';
import type { ComparisonsRepo, TaskResultsRepo } from '../storage/index';
import { CHECKABLE_KINDS, checkResult, checkValue, headToHead, storeOutcome } from './checkResult';
import type { CheckModels, CheckOutcome } from './checkTypes';
import { type MinerTarget, type QueryOutcome, queryMiner } from './queryMiner';
import type { PlannedQuery } from './schedule';
import { type Slots, SlotsAborted } from './slots';
import { type SyntheticProfile, syntheticTask } from './syntheticTasks';
import type { WorkSettings } from './workSettings';

/** Shortest time before the deadline a fallback query is still sent with. */
const FALLBACK_MIN_MS = 500;

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
  settings: WorkSettings;
  /** Checks by reproduction running at once. */
  checkSlots: Slots;
  /** Counts the sampled answers whose check was not run by the period's deadline. */
  skipped: { checks: number };
  log?: Logger;
}

/** Where a step stands in its period. */
export interface StepContext {
  /** No query runs past it; no check starts after it (epoch ms). */
  deadlineMs: number;
  /** The validator is stopping: queries are cancelled (their failures are not the miners'). */
  stop: AbortSignal;
  /** Aborted at the period's deadline: checks not started are skipped. */
  period: AbortSignal;
  /** Takes a fallback miner for the kind outside `exclude` from the period's plan. */
  fallback: (kind: TaskKind, atMs: number, exclude: readonly number[]) => number | undefined;
}

export interface StepResult {
  outcomes: QueryOutcome[];
  checks: (CheckOutcome | undefined)[];
}

export interface Step {
  /** Resolves once every outcome of the step is stored. */
  answered: Promise<QueryOutcome[]>;
  /** Resolves once the step's checks are done (or skipped at the deadline). */
  done: Promise<StepResult>;
}

async function check(
  deps: WorkDeps,
  ctx: StepContext,
  task: { kind: TaskKind; input: Record<string, unknown> },
  outcome: QueryOutcome,
): Promise<CheckOutcome | undefined> {
  if (outcome.statusCode !== 200 || !outcome.outputs) return undefined;
  const outputs = outcome.outputs;
  try {
    return await deps.checkSlots.run(ctx.period, () => checkResult(deps.models, task, outputs));
  } catch (e) {
    if (e instanceof SlotsAborted || ctx.period.aborted) {
      deps.skipped.checks++;
      return undefined;
    }
    deps.log?.warn(
      { err: e, kind: task.kind, uid: outcome.uid },
      'check failed on the validator side',
    );
    return undefined;
  }
}

async function ask(
  deps: WorkDeps,
  ctx: StepContext,
  query: PlannedQuery,
  seed: number,
): Promise<{ task: Awaited<ReturnType<typeof syntheticTask>>; outcomes: QueryOutcome[] } | null> {
  const model = deps.modelFor(query.uids[0] as number, query.kind);
  const uids = query.uids.filter((uid) => deps.targets.has(uid));
  if (model === undefined || uids.length === 0) return null;
  // A model without a guidance embedding refuses any cfg_scale above 1: its tasks are drawn at 1.
  const unguided = deps.models.diffusion?.(model)?.unguided === true;
  const profile = unguided ? { ...deps.profile, cfgScale: [1, 1] as const } : deps.profile;
  const task = await syntheticTask({
    kind: query.kind,
    seed,
    model,
    ...(profile ? { profile } : {}),
  });
  const kind = deps.settings.kinds[query.kind];
  const send = (uid: number) =>
    queryMiner(deps.dendrite, deps.targets.get(uid) as MinerTarget, task, {
      timeoutS: kind.timeoutS,
      deadlineMs: ctx.deadlineMs,
      connectMs: deps.settings.connectMs,
      idleMs: deps.settings.idleMs,
      maxAnswerBytes: kind.maxAnswerBytes,
      signal: ctx.stop,
      now: deps.now,
    });
  const outcomes = await Promise.all(uids.map(send));
  // A single query that the miner failed goes to the next miner with spare capacity, while there
  // is time for it to answer (a fallback sent at the deadline would only time out).
  const timeLeft = ctx.deadlineMs - deps.now();
  if (
    outcomes.length === 1 &&
    outcomes[0]?.fault === 'miner' &&
    !ctx.stop.aborted &&
    timeLeft >= FALLBACK_MIN_MS
  ) {
    const uid = ctx.fallback(query.kind, query.atMs, uids);
    if (uid !== undefined && deps.targets.has(uid) && deps.modelFor(uid, query.kind) === model)
      outcomes.push(await send(uid));
  }
  return { task, outcomes };
}

export function runPlannedQuery(
  deps: WorkDeps,
  query: PlannedQuery,
  seed: number,
  ctx: StepContext,
): Step {
  const asked = ask(deps, ctx, query, seed);
  const stored = asked.then(async (a) => {
    if (!a) return { a, ids: [] as (number | undefined)[] };
    const nowMs = deps.now();
    const ids: (number | undefined)[] = [];
    for (const outcome of a.outcomes)
      ids.push(await storeOutcome(deps.results, outcome, { nowMs }));
    return { a, ids };
  });
  const answered = stored.then(({ a }) => a?.outcomes ?? []);
  const done = stored.then(async ({ a, ids }): Promise<StepResult> => {
    if (!a) return { outcomes: [], checks: [] };
    const { task, outcomes } = a;
    const checkable = CHECKABLE_KINDS.includes(query.kind);
    const paired = outcomes.length > 1 && query.uids.length > 1;
    const sampled = outcomes.map(() => checkable && (paired || deps.random() < deps.checkShare));
    const checks = await Promise.all(
      outcomes.map((o, i) => (sampled[i] ? check(deps, ctx, task, o) : undefined)),
    );
    const nowMs = deps.now();
    for (const [i, c] of checks.entries()) {
      const id = ids[i];
      if (c && id !== undefined) await deps.results.markChecked(id, checkValue(c), nowMs, c.reason);
    }
    // A comparison needs both answers' qualities: a failed answer has quality 0, an answer whose
    // check was skipped at the deadline has none, and the pair is then not compared.
    const complete = outcomes.every((o, i) => o.statusCode !== 200 || checks[i] !== undefined);
    if (paired && complete) {
      await headToHead(
        deps.comparisons,
        outcomes.map((outcome, i) => ({ outcome, quality: checks[i]?.score ?? 0 })),
        { nowMs, ...(deps.models.scoring ? { scoring: deps.models.scoring } : {}) },
      );
    }
    return { outcomes, checks };
  });
  return { answered, done };
}
