/**
 * A period's scores from what the work loop stored: per uid and task kind, the mean check value
 * (checks' score plus penalty: the scoring package's `periodScore`) folded into the moving
 * average, head-to-head rewards (Bradley-Terry over the period's comparisons), speed (mean
 * answer time against the kind's expected time) and volume (served against offered). The result
 * is the scoring package's `TaskScores` per kind, ready for `weightVector`, plus the rows to
 * store. `computePeriodScores` is pure; `foldPeriodScores` reads and writes the storage.
 *
 * Observations carry reliability: a uid with checked results this period is observed at its mean
 * check value times the share of its queries it answered (timeouts, errors, malformed answers and
 * refusals all count as unanswered); a uid whose every query failed is observed at 0; a uid whose
 * answers went unchecked is observed at its previous average times that share (so failing part
 * of its work still costs it), or keeps its average when it failed nothing. Results excused as the
 * validator's own outage are not in the summaries at all.
 *
 * The period's `quality` component (what the weights are made of) is the moving average times
 * the period's reliability (`periodReliability`): a miner that fails or refuses this period's
 * work loses this period's weight at once, not over the many periods its average takes to decay.
 */
import type { TaskKind } from '@subnet/protocol/tasks';
import {
  DEFAULT_SCORING_CONFIG,
  fitBradleyTerry,
  headToHeadShares,
  type MovingAverages,
  type PeriodObservation,
  type Preference,
  resetChangedHotkeys,
  type ScoringConfig,
  speedScores,
  type TaskComponents,
  type TaskScores,
  taskScore,
  updateMovingAverages,
  volumeScore,
} from '@subnet/scoring';
import type {
  Comparison,
  MovingScore,
  PeriodScore,
  Repositories,
  ResultSummary,
  ScoreComponents,
} from '../storage/index';

export interface PeriodFacts {
  period: number;
  nowMs: number;
  /** The metagraph now: uid → hotkey. */
  hotkeys: ReadonlyMap<number, string>;
  summaries: readonly ResultSummary[];
  comparisons: readonly Comparison[];
  previous: readonly MovingScore[];
  /** Volume each miner offered this period, by uid and kind (Capacity's answers). */
  offered: ReadonlyMap<number, Partial<Record<TaskKind, number>>>;
  /** Volume units one query costs (default 1). */
  costs?: Partial<Record<TaskKind, number>>;
  /** Seconds an answer of the kind is expected to take on the reference hardware (default 10). */
  expectedSeconds?: Partial<Record<TaskKind, number>>;
  /** Emission share of each kind (default 1 each). */
  taskWeights?: Partial<Record<TaskKind, number>>;
  scoring?: ScoringConfig;
}

export interface PeriodScoresResult {
  tasks: TaskScores[];
  periodRows: PeriodScore[];
  moving: MovingScore[];
}

function preferences(comparisons: readonly Comparison[]): Preference[] {
  return comparisons.map((c) =>
    c.preference >= 0.5
      ? { winner: c.uidA, loser: c.uidB, tie: c.preference === 0.5 }
      : { winner: c.uidB, loser: c.uidA, tie: false },
  );
}

/**
 * What the period's `quality` component is scaled by: the share of its queries the miner answered
 * this period; 1 when it offered work but was not asked; 0 when it offered none of the kind (a
 * miner that withdraws from a kind, or refuses to say what it serves, earns nothing from it until
 * it works again, although its moving average only decays by the periods it fails).
 */
export function periodReliability(
  s: Pick<ResultSummary, 'total' | 'succeeded'> | undefined,
  offered: number | undefined,
): number {
  if (s && s.total > 0) return reliability(s);
  return (offered ?? 0) > 0 ? 1 : 0;
}

/** The share of its queries a miner answered. */
export function reliability(s: Pick<ResultSummary, 'total' | 'succeeded'>): number {
  return s.total > 0 ? s.succeeded / s.total : 1;
}

function observation(
  s: ResultSummary | undefined,
  previous: number | undefined,
): number | undefined {
  if (!s || s.total === 0) return undefined;
  if (s.succeeded === 0) return 0;
  const share = reliability(s);
  if (s.checked > 0 && s.meanCheckScore !== null) return s.meanCheckScore * share;
  if (share < 1 && previous !== undefined) return previous * share;
  return undefined;
}

export function computePeriodScores(facts: PeriodFacts): PeriodScoresResult {
  const config = facts.scoring ?? DEFAULT_SCORING_CONFIG;
  const kinds = new Set<TaskKind>();
  for (const s of facts.summaries) kinds.add(s.taskKind as TaskKind);
  for (const m of facts.previous) kinds.add(m.taskKind as TaskKind);
  const tasks: TaskScores[] = [];
  const periodRows: PeriodScore[] = [];
  const moving: MovingScore[] = [];
  for (const kind of [...kinds].sort()) {
    const summaries = new Map(
      facts.summaries.filter((s) => s.taskKind === kind).map((s) => [s.uid, s]),
    );
    let previous: MovingAverages = new Map(
      facts.previous
        .filter((m) => m.taskKind === kind)
        .map((m) => [m.uid, { hotkey: m.hotkey, value: m.score, periods: m.samples }]),
    );
    previous = resetChangedHotkeys(previous, facts.hotkeys);
    const observations: PeriodObservation[] = [];
    const observed = new Map<number, number>();
    for (const [uid, s] of summaries) {
      const hotkey = facts.hotkeys.get(uid);
      const value = observation(s, previous.get(uid)?.value);
      if (hotkey === undefined || value === undefined) continue;
      observations.push({ uid, hotkey, score: value });
      observed.set(uid, value);
    }
    const averages = updateMovingAverages(previous, observations, config.history);
    const uids = [...new Set([...averages.keys(), ...summaries.keys()])]
      .filter((uid) => facts.hotkeys.has(uid))
      .sort((a, b) => a - b);
    const fit = fitBradleyTerry(
      uids,
      preferences(
        facts.comparisons.filter(
          (c) => c.taskKind === kind && uids.includes(c.uidA) && uids.includes(c.uidB),
        ),
      ),
      config.headToHead,
    );
    const shares = headToHeadShares(fit.rewards);
    const timed = uids.filter((uid) => (summaries.get(uid)?.meanDurationMs ?? 0) > 0);
    const expected = facts.expectedSeconds?.[kind] ?? 10;
    const speeds = speedScores(
      timed.map((uid) => ({
        seconds: (summaries.get(uid)?.meanDurationMs as number) / 1000,
        units: 1,
        expectedSecondsPerUnit: expected,
      })),
      config.speedVolume,
    );
    const cost = facts.costs?.[kind] ?? 1;
    const miners: TaskComponents[] = uids.map((uid, i) => {
      const s = summaries.get(uid);
      const volume = volumeScore(
        {
          declaredCapacity: facts.offered.get(uid)?.[kind] ?? 0,
          servedUnits: (s?.succeeded ?? 0) * cost,
          requests: s?.total ?? 0,
          rateLimited: 0,
          serverErrors: (s?.total ?? 0) - (s?.succeeded ?? 0),
        },
        config.speedVolume,
      );
      const t = timed.indexOf(uid);
      return {
        uid,
        quality:
          (averages.get(uid)?.value ?? 0) * periodReliability(s, facts.offered.get(uid)?.[kind]),
        headToHead: shares[i] as number,
        speed: t >= 0 ? (speeds[t] as number) : 0,
        volume,
      };
    });
    tasks.push({ task: kind, weight: facts.taskWeights?.[kind] ?? 1, miners });
    for (const m of miners) {
      const hotkey = facts.hotkeys.get(m.uid) as string;
      const average = averages.get(m.uid);
      if (average) {
        moving.push({
          uid: m.uid,
          taskKind: kind,
          hotkey,
          score: average.value,
          samples: average.periods,
          updatedMs: facts.nowMs,
        });
      }
      const components: ScoreComponents = {
        quality: m.quality,
        headToHead: m.headToHead,
        speed: m.speed,
        volume: m.volume,
      };
      const seen = observed.get(m.uid);
      if (seen !== undefined) components.check = seen;
      components.reliability = periodReliability(
        summaries.get(m.uid),
        facts.offered.get(m.uid)?.[kind],
      );
      periodRows.push({
        period: facts.period,
        uid: m.uid,
        taskKind: kind,
        hotkey,
        score: taskScore(m, config.weights),
        components,
        createdMs: facts.nowMs,
      });
    }
  }
  return { tasks, periodRows, moving };
}

/**
 * The moving scores the newest period's fold started from. Folding the same period again (the
 * validator restarted before the period was handled) starts from them instead of from averages
 * that already hold the period, so a period is folded in once however often it is re-run.
 */
export const FOLD_BASE_KEY = 'work.foldBase';

interface FoldBase {
  period: number;
  moving: MovingScore[];
}

/**
 * Reads the period's results and comparisons in [fromMs, toMs) and the moving scores, computes
 * the period's scores and stores them (period rows and moving scores); returns the task scores.
 */
export async function foldPeriodScores(
  repos: Pick<Repositories, 'results' | 'comparisons' | 'scores' | 'state'>,
  facts: Omit<PeriodFacts, 'summaries' | 'comparisons' | 'previous'> & {
    fromMs: number;
    toMs: number;
  },
): Promise<PeriodScoresResult> {
  const [summaries, comparisons, base] = await Promise.all([
    repos.results.summarize(facts.fromMs, facts.toMs),
    repos.comparisons.listBetween(facts.fromMs, facts.toMs),
    repos.state.get<FoldBase>(FOLD_BASE_KEY),
  ]);
  let previous: MovingScore[];
  if (base?.period === facts.period) {
    previous = base.moving;
  } else {
    previous = await repos.scores.listMoving();
    await repos.state.set(FOLD_BASE_KEY, { period: facts.period, moving: previous }, facts.nowMs);
  }
  const result = computePeriodScores({ ...facts, summaries, comparisons, previous });
  await repos.scores.recordPeriod(result.periodRows);
  for (const m of result.moving) await repos.scores.setMoving(m);
  return result;
}
