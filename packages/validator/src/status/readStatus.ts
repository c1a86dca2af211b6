/**
 * One snapshot of what the validator knows, read from storage: its miners with their last period
 * scores, moving scores and newest results, the periods handled and scored, and the weights on
 * chain (or committed). The status page renders it; `/status.json` returns it as it is.
 */
import { LAST_PERIOD_KEY } from '../daemon/validatorDaemon';
import type { CapacityAnswer } from '../storage/capacityRepo';
import type { ScoreComponents } from '../storage/scoresRepo';
import type { TaskResult } from '../storage/taskResultsRepo';
import type { WeightSetting } from '../storage/weightsRepo';
import type { StatusSource } from './statusSource';

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
  /** Newest first. */
  lastResults: ResultStatus[];
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
  periods: { lastHandled: number | null; lastScored: number | null };
  miners: MinerStatus[];
  weights: {
    /** The newest setting that reached the chain (set, committed or revealed). */
    current: WeightsStatus | null;
    /** The newest failed attempt when it is newer than `current`. */
    lastFailure: WeightsStatus | null;
    pendingCommits: number;
  };
}

export interface ReadStatusOptions {
  /** Newest results listed per miner (default 5). */
  resultsPerMiner?: number;
  /** Weight settings looked through for the current one (default 50). */
  weightsHistory?: number;
}

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

export async function readStatus(
  source: StatusSource,
  options: ReadStatusOptions = {},
): Promise<ValidatorStatus> {
  const { storage } = source;
  const now = source.now ?? Date.now;
  const [miners, moving, lastScored, lastHandled, weights, pending, capacities] = await Promise.all(
    [
      storage.miners.list(),
      storage.scores.listMoving(),
      storage.scores.latestPeriod(),
      storage.state.get<number>(LAST_PERIOD_KEY),
      readWeights(source, options.weightsHistory),
      storage.weights.pendingCommits(source.netuid),
      storage.capacity.list(),
    ],
  );
  const periodScores = lastScored === undefined ? [] : await storage.scores.listPeriod(lastScored);
  const limit = options.resultsPerMiner ?? 5;
  const results = await Promise.all(
    miners.map((m) => storage.results.listForUid(m.uid, { limit })),
  );
  const chain = source.chain?.();
  const metagraphUpdatedMs = miners.reduce<number | null>(
    (newest, m) => (newest === null || m.updatedMs > newest ? m.updatedMs : newest),
    null,
  );
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
    periods: { lastHandled: lastHandled ?? null, lastScored: lastScored ?? null },
    miners: miners.map((m, i) => ({
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
      lastResults: (results[i] ?? []).map(resultStatus),
    })),
    weights: {
      current: weights.current ? weightsStatus(weights.current) : null,
      lastFailure: weights.lastFailure ? weightsStatus(weights.lastFailure) : null,
      pendingCommits: pending.length,
    },
  };
}
