/**
 * Checking an answer by reproduction, and keeping the verdicts: `checkResult` dispatches on the
 * task kind; `storeOutcome` records a query in `task_results` (the check value stored is the
 * check's score plus its hard penalty, so a period's mean of it is the scoring package's
 * `periodScore`); `headToHead` turns the checks of miners that answered the same task into the
 * scoring package's preferences and stores them as comparisons.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TaskKind } from '@subnet/protocol/tasks';
import {
  DEFAULT_SCORING_CONFIG,
  loadXgbModel,
  preferencesForTask,
  type ScoringConfig,
  type XgbModel,
} from '@subnet/scoring';
import type { ComparisonsRepo, TaskResultsRepo } from '../storage/index';
import { checkClipEmbeddings } from './checkClipEmbeddings';
import { checkImageAnswer, REPRODUCIBLE_IMAGE_KINDS } from './checkImageAnswer';
import { checkLlmAnswer } from './checkLlmAnswer';
import type { CheckModels, CheckOutcome } from './checkTypes';
import { WorkError, WorkErrorCode } from './errors';
import type { QueryOutcome } from './queryMiner';

/** The kinds `checkResult` can reproduce. */
export const CHECKABLE_KINDS: readonly TaskKind[] = [
  ...REPRODUCIBLE_IMAGE_KINDS,
  'ClipEmbeddings',
  'Chat',
  'Completion',
];

/** The reward model shipped with the scoring package (`models/reward-model.json`). */
export function rewardModelPath(): string {
  const entry = createRequire(import.meta.url).resolve('@subnet/scoring');
  return join(dirname(entry), '..', 'models', 'reward-model.json');
}

export function loadRewardModel(path: string = rewardModelPath()): XgbModel {
  return loadXgbModel(readFileSync(path, 'utf8'));
}

/** Checks one answer (status 200 with outputs) against the validator's own re-run. */
export function checkResult(
  models: CheckModels,
  task: { kind: TaskKind; input: Record<string, unknown> },
  outputs: Record<string, unknown>,
): Promise<CheckOutcome> {
  if (task.kind === 'Chat' || task.kind === 'Completion')
    return checkLlmAnswer(models, task.input, outputs);
  if (task.kind === 'ClipEmbeddings') return checkClipEmbeddings(models, task.input, outputs);
  if ((REPRODUCIBLE_IMAGE_KINDS as readonly string[]).includes(task.kind)) {
    return checkImageAnswer(models, task.kind, task.input, outputs);
  }
  return Promise.reject(
    new WorkError(WorkErrorCode.UnsupportedTask, `${task.kind} answers are not checked`),
  );
}

/** The value stored for a check: score plus penalty. */
export function checkValue(check: Pick<CheckOutcome, 'score' | 'penalty'>): number {
  return check.score + check.penalty;
}

/**
 * Records a query's outcome; a validator-side failure is not recorded (it says nothing of the
 * miner). With a check, the result is marked checked at once. Returns the row id, or undefined
 * when nothing was written (validator fault, or the uid changed hands meanwhile).
 */
export async function storeOutcome(
  results: TaskResultsRepo,
  outcome: QueryOutcome,
  options: { nowMs: number; organic?: boolean; check?: CheckOutcome },
): Promise<number | undefined> {
  if (outcome.fault === 'validator') return undefined;
  const id = await results.record({
    taskId: outcome.taskId,
    taskKind: outcome.kind,
    organic: options.organic ?? false,
    uid: outcome.uid,
    hotkey: outcome.hotkey,
    startedMs: outcome.startedMs,
    durationMs: outcome.durationMs,
    statusCode: outcome.statusCode,
    ...(outcome.statusCode !== 200 && outcome.statusMessage
      ? { error: outcome.statusMessage }
      : {}),
    createdMs: options.nowMs,
  });
  if (id !== undefined && options.check)
    await results.markChecked(id, checkValue(options.check), options.nowMs, options.check.reason);
  return id;
}

export interface HeadToHeadEntry {
  outcome: QueryOutcome;
  /** The answer's check score (0 for a miner that failed to answer). */
  quality: number;
}

/**
 * Preferences between the miners that got the same task (closer to the reference wins, then the
 * faster), stored as comparisons: 1 = A wins, 0 = B wins, 0.5 = tie. Returns how many were stored.
 */
export async function headToHead(
  comparisons: ComparisonsRepo,
  entries: readonly HeadToHeadEntry[],
  options: { nowMs: number; scoring?: ScoringConfig },
): Promise<number> {
  const byUid = new Map(entries.map((e) => [e.outcome.uid, e.outcome]));
  const prefs = preferencesForTask(
    entries.map((e) => ({
      uid: e.outcome.uid,
      quality: e.quality,
      seconds:
        e.outcome.statusCode === 200 ? e.outcome.durationMs / 1000 : Number.POSITIVE_INFINITY,
    })),
    (options.scoring ?? DEFAULT_SCORING_CONFIG).headToHead,
  );
  let stored = 0;
  for (const p of prefs) {
    const a = byUid.get(p.winner) as QueryOutcome;
    const b = byUid.get(p.loser) as QueryOutcome;
    const id = await comparisons.record({
      taskId: a.taskId,
      taskKind: a.kind,
      uidA: a.uid,
      hotkeyA: a.hotkey,
      uidB: b.uid,
      hotkeyB: b.hotkey,
      preference: p.tie ? 0.5 : 1,
      createdMs: options.nowMs,
    });
    if (id !== undefined) stored++;
  }
  return stored;
}
