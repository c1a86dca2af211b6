/**
 * One snapshot of what the validator knows, read from storage and the daemon's newest metagraph:
 * its miners (only miners: this validator, the subnet owner and other validators are listed
 * apart) with their last period scores, the weight those make and why, their score trends, moving
 * scores and newest results; the periods handled and scored; and the weights on chain (or
 * committed) next to the chain's view of them. The status page renders it; `/status.json`
 * returns it as it is. Every read is bounded (rows per miner, periods of trend, weight history).
 */
import { LAST_PERIOD_KEY } from '../daemon/validatorDaemon';
import type { CapacityAnswer } from '../storage/capacityRepo';
import type { Miner } from '../storage/minersRepo';
import type { RecentScore, ScoreComponents } from '../storage/scoresRepo';
import type { TaskResult } from '../storage/taskResultsRepo';
import type { WeightSetting } from '../storage/weightsRepo';
import { type ChainWeightsStatus, compareChainWeights } from './compareChainWeights';
import { explainWeights, type WeightExplanation } from './explainWeights';
import {
  type NeuronRole,
  permitHolders,
  ROLE_LABELS,
  ROLE_REASONS,
  type RoleFacts,
  roleOf,
} from './neuronRoles';
import type { TrendPoint } from './sparkline';
import type { ChainView, StatusSource } from './statusSource';

export type ResultOutcome = 'ok' | 'failed';

export interface ResultStatus {
  taskKind: string;
  organic: boolean;
  /** `ok` for a 2xx answer, else `failed`. */
  outcome: ResultOutcome;
  statusCode: number;
  /** The score of checking the answer by reproduction, when it was sampled. */
  checkScore: number | null;
  /** Why the check scored what it did; null when unchecked or not recorded. */
  checkReason: string | null;
  error: string | null;
  durationMs: number | null;
  createdMs: number;
}

export interface MinerStatus {
  uid: number;
  hotkey: string;
  /** When the uid got its current hotkey. */
  sinceMs: number;
  /**
   * Scores of the newest scored period, per task kind, with the parts they were made of (checked
   * quality, reliability, speed, volume, head-to-head, the period's check value): why the miner
   * scored what it did.
   */
  lastScores: Array<{ taskKind: string; score: number; components: ScoreComponents }>;
  /** Its newest Capacity answer: what was planned with, or why it was refused or capped. */
  capacity: {
    period: number;
    accepted: boolean;
    reason: string | null;
    volumes: Record<string, number>;
  } | null;
  /** The moving scores the weights come from, per task kind. */
  movingScores: Array<{ taskKind: string; score: number; samples: number }>;
  /**
   * The weight the newest scored period's scores make, computed as the weight setter does, with
   * the parts it is made of and why in words; null before any period is scored.
   */
  weight: WeightExplanation | null;
  /** Its entry in the newest weights that reached the chain (u16, and its share of the sum). */
  setWeight: { weight: number; share: number } | null;
  /** Its score per task kind over the recent periods (`periods.recent`), oldest first. */
  trend: Array<{ taskKind: string; points: TrendPoint[] }>;
  /** Newest first. */
  lastResults: ResultStatus[];
}

/** A neuron that is not a miner: shown apart, never in the miner table. */
export interface NotMinerStatus {
  uid: number;
  hotkey: string;
  role: NeuronRole;
  /** `this validator`, `subnet owner` or `validator`. */
  label: string;
  /** Why it has the role, in words. */
  why: string;
  /** Its last weights update (or registration) block in the newest metagraph. */
  lastUpdate: number | null;
}

/**
 * Where a weight setting stands: being sent (or sent with no answer yet: read from the chain
 * next), set directly, committed by hash (reveal to come), timelocked (the chain reveals it at its
 * drand round), revealed, or failed.
 */
export type WeightsState = 'sending' | 'set' | 'committed' | 'timelocked' | 'revealed' | 'failed';

export interface WeightsStatus {
  id: number;
  mode: 'set' | 'commit';
  path: WeightSetting['path'];
  mecid: number;
  state: WeightsState;
  /** Timelocked commits: the drand round the chain decrypts them at. */
  revealRound: number | null;
  block: number | null;
  revealAfterBlock: number | null;
  revealedBlock: number | null;
  versionKey: number;
  error: string | null;
  createdMs: number;
  updatedMs: number;
  /** uid → u16 weight, and the weight's share of the sum. */
  entries: Array<{ uid: number; weight: number; share: number }>;
}

export interface ValidatorStatus {
  generatedMs: number;
  validator: { hotkey: string; uid: number | null; netuid: number };
  chain: { endpoint: string | null; block: number | null; metagraphUpdatedMs: number | null };
  periods: {
    lastHandled: number | null;
    lastScored: number | null;
    /** The newest scored periods the trends cover, oldest first. */
    recent: number[];
  };
  /** Only miners. */
  miners: MinerStatus[];
  /** This validator, the subnet owner and other validators. */
  notMiners: NotMinerStatus[];
  weights: {
    /** The newest setting that reached the chain (set, committed or revealed). */
    current: WeightsStatus | null;
    /** The newest failed attempt when it is newer than `current`. */
    lastFailure: WeightsStatus | null;
    pendingCommits: number;
    /** The chain's view: our uid's last weights update, against `current`. */
    chain: ChainWeightsStatus;
  };
}

export interface ReadStatusOptions {
  /** Newest results listed per miner (default 5). */
  resultsPerMiner?: number;
  /** Weight settings looked through for the current one (default 50). */
  weightsHistory?: number;
  /** Newest scored periods the trends cover (default 24, at most 96). */
  trendPeriods?: number;
  /** Period score rows read for the trends at most (default 20 000; the newest are kept). */
  trendRows?: number;
}

export const MAX_TREND_PERIODS = 96;

function stateOf(s: WeightSetting): WeightsState {
  if (s.status === 'failed') return 'failed';
  if (s.status === 'pending' && s.block === null && s.preparedBlock !== null) return 'sending';
  if (s.path === 'set') return 'set';
  if (s.path === 'commit_timelocked') return 'timelocked';
  return s.status === 'pending' ? 'committed' : 'revealed';
}

export function weightsStatus(s: WeightSetting): WeightsStatus {
  const sum = s.weights.reduce((a, w) => a + w, 0);
  return {
    id: s.id,
    mode: s.mode,
    path: s.path,
    mecid: s.mecid,
    state: stateOf(s),
    revealRound: s.revealRound,
    block: s.block,
    revealAfterBlock: s.revealAfterBlock,
    revealedBlock: s.revealedBlock,
    versionKey: s.versionKey,
    error: s.error,
    createdMs: s.createdMs,
    updatedMs: s.updatedMs,
    entries: s.uids.map((uid, i) => {
      const weight = s.weights[i] ?? 0;
      return { uid, weight, share: sum === 0 ? 0 : weight / sum };
    }),
  };
}

function resultStatus(r: TaskResult): ResultStatus {
  return {
    taskKind: r.taskKind,
    organic: r.organic,
    outcome: r.statusCode >= 200 && r.statusCode <= 299 ? 'ok' : 'failed',
    statusCode: r.statusCode,
    checkScore: r.checked ? r.checkScore : null,
    checkReason: r.checked ? r.checkReason : null,
    error: r.error,
    durationMs: r.durationMs,
    createdMs: r.createdMs,
  };
}

/** The newest setting that reached the chain, and a newer failure if there is one. */
export async function readWeights(
  source: StatusSource,
  history = 50,
): Promise<{ current: WeightSetting | undefined; lastFailure: WeightSetting | undefined }> {
  const settings = await source.storage.weights.history(source.netuid, history);
  const current = settings.find((s) => s.status !== 'failed');
  const failure = settings.find((s) => s.status === 'failed');
  return {
    current,
    lastFailure: failure && (!current || failure.id > current.id) ? failure : undefined,
  };
}

function capacityStatus(c: CapacityAnswer | undefined): MinerStatus['capacity'] {
  return c
    ? { period: c.period, accepted: c.accepted, reason: c.reason, volumes: c.volumes }
    : null;
}

function setWeightOf(current: WeightsStatus | null, uid: number): MinerStatus['setWeight'] {
  const entry = current?.entries.find((w) => w.uid === uid);
  return entry ? { weight: entry.weight, share: entry.share } : null;
}

/** A miner's scores over the recent periods (its uid's rows), per task kind. */
function trendOf(rows: readonly RecentScore[], m: Miner): MinerStatus['trend'] {
  const byKind = new Map<string, TrendPoint[]>();
  for (const r of rows) {
    if (r.hotkey !== m.hotkey) continue;
    const points = byKind.get(r.taskKind) ?? [];
    points.push({ period: r.period, score: r.score });
    byKind.set(r.taskKind, points);
  }
  return [...byKind.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([taskKind, points]) => ({ taskKind, points }));
}

/** Who is not a miner: ask storage only about permit holders whether they ever answered. */
async function rolesOf(
  source: StatusSource,
  chain: ChainView | undefined,
  miners: readonly Miner[],
  capacities: readonly CapacityAnswer[],
): Promise<Array<NeuronRole | undefined>> {
  const facts: Omit<RoleFacts, 'answered'> = {
    selfHotkey: source.validator.hotkey,
    ownerHotkey: chain?.ownerHotkey,
    neurons: chain?.neurons,
  };
  const holders = permitHolders(miners, facts);
  const answered = new Set(
    holders.length === 0 ? [] : await source.storage.results.answeredUids(holders),
  );
  for (const c of capacities) if (c.accepted) answered.add(c.uid);
  return miners.map((m) => roleOf(m, { ...facts, answered }));
}

export async function readStatus(
  source: StatusSource,
  options: ReadStatusOptions = {},
): Promise<ValidatorStatus> {
  const { storage } = source;
  const now = source.now ?? Date.now;
  const trendPeriods = Math.min(MAX_TREND_PERIODS, Math.max(0, options.trendPeriods ?? 24));
  const [miners, moving, lastScored, lastHandled, weights, pending, capacities, recent] =
    await Promise.all([
      storage.miners.list(),
      storage.scores.listMoving(),
      storage.scores.latestPeriod(),
      storage.state.get<number>(LAST_PERIOD_KEY),
      readWeights(source, options.weightsHistory),
      storage.weights.pendingCommits(source.netuid),
      storage.capacity.list(),
      storage.scores.listRecentPeriods(trendPeriods, options.trendRows ?? 20_000),
    ]);
  // One view of the chain for the whole snapshot.
  const chain = source.chain?.();
  const roles = await rolesOf(source, chain, miners, capacities);
  const minersOnly = miners.filter((_, i) => roles[i] === undefined);
  const periodScores = lastScored === undefined ? [] : await storage.scores.listPeriod(lastScored);
  const explained =
    lastScored === undefined
      ? new Map<number, WeightExplanation>()
      : explainWeights({
          period: lastScored,
          rows: periodScores,
          // Over every uid in storage, as the weight setter computes them.
          uids: miners.map((m) => m.uid),
          moving,
          weighting: source.weighting,
        });
  const limit = options.resultsPerMiner ?? 5;
  const results = await Promise.all(
    minersOnly.map((m) => storage.results.listForUid(m.uid, { limit })),
  );
  const recentOf = new Map<number, RecentScore[]>();
  for (const r of recent) {
    const rows = recentOf.get(r.uid);
    if (rows) rows.push(r);
    else recentOf.set(r.uid, [r]);
  }
  const metagraphUpdatedMs = miners.reduce<number | null>(
    (newest, m) => (newest === null || m.updatedMs > newest ? m.updatedMs : newest),
    null,
  );
  const current = weights.current ? weightsStatus(weights.current) : null;
  const notMiners = miners.flatMap((m, i): NotMinerStatus[] => {
    const role = roles[i];
    if (role === undefined) return [];
    const neuron = chain?.neurons?.find((n) => n.uid === m.uid && n.hotkey === m.hotkey);
    return [
      {
        uid: m.uid,
        hotkey: m.hotkey,
        role,
        label: ROLE_LABELS[role],
        why: ROLE_REASONS[role],
        lastUpdate: neuron?.lastUpdate ?? null,
      },
    ];
  });
  return {
    generatedMs: now(),
    validator: {
      hotkey: source.validator.hotkey,
      uid: source.validator.uid ?? null,
      netuid: source.netuid,
    },
    chain: {
      endpoint: chain?.endpoint ?? null,
      block: chain?.block ?? null,
      metagraphUpdatedMs,
    },
    periods: {
      lastHandled: lastHandled ?? null,
      lastScored: lastScored ?? null,
      recent: [...new Set(recent.map((r) => r.period))],
    },
    miners: minersOnly.map((m, i) => ({
      uid: m.uid,
      hotkey: m.hotkey,
      sinceMs: m.sinceMs,
      lastScores: periodScores
        .filter((s) => s.uid === m.uid && s.hotkey === m.hotkey)
        .map((s) => ({ taskKind: s.taskKind, score: s.score, components: s.components })),
      capacity: capacityStatus(capacities.find((c) => c.uid === m.uid && c.hotkey === m.hotkey)),
      movingScores: moving
        .filter((s) => s.uid === m.uid && s.hotkey === m.hotkey)
        .map((s) => ({ taskKind: s.taskKind, score: s.score, samples: s.samples })),
      weight: explained.get(m.uid) ?? null,
      setWeight: setWeightOf(current, m.uid),
      trend: trendOf(recentOf.get(m.uid) ?? [], m),
      lastResults: (results[i] ?? []).map(resultStatus),
    })),
    notMiners,
    weights: {
      current,
      lastFailure: weights.lastFailure ? weightsStatus(weights.lastFailure) : null,
      pendingCommits: pending.length,
      chain: compareChainWeights({
        neurons: chain?.neurons,
        self: source.validator,
        block: chain?.block ?? null,
        current,
      }),
    },
  };
}
