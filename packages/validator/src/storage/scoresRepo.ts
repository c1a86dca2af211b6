/**
 * Scores per uid and task kind: the moving score the weights come from, and the score each
 * scoring period produced (kept for the status page and for audits). Writes carry the hotkey they
 * were computed for and are dropped when the uid has another hotkey by then.
 */
import { checkFinite, checkUid } from './checks';
import type { Db } from './db';

export interface MovingScore {
  uid: number;
  taskKind: string;
  hotkey: string;
  score: number;
  /** How many observations the moving score has folded in. */
  samples: number;
  updatedMs: number;
}

export interface PeriodScore {
  period: number;
  uid: number;
  taskKind: string;
  hotkey: string;
  score: number;
  /** The parts the score was made of. */
  components: ScoreComponents;
  createdMs: number;
}

/** A period score without its parts: what a trend is drawn from. */
export type RecentScore = Omit<PeriodScore, 'components' | 'createdMs'>;

/**
 * The parts a period score was made of: the scoring package's four task components, and what
 * the period observed. Every part is optional in storage (rows written by older code or by hand
 * may carry fewer); readers fall back where one is missing.
 */
export interface ScoreComponents {
  /** Checked quality: the moving average times the period's reliability. */
  quality?: number;
  headToHead?: number;
  speed?: number;
  volume?: number;
  /** Share of the period's queries the miner answered. */
  reliability?: number;
  /** The period's observed check value (mean check times reliability), when observed. */
  check?: number;
}

export const SCORE_PARTS = [
  'quality',
  'headToHead',
  'speed',
  'volume',
  'reliability',
  'check',
] as const satisfies readonly (keyof ScoreComponents)[];

/** The components stored as JSON, read back: known parts that are finite numbers, nothing else. */
export function parseScoreComponents(json: unknown): ScoreComponents {
  const out: ScoreComponents = {};
  if (typeof json !== 'object' || json === null) return out;
  for (const part of SCORE_PARTS) {
    const v = (json as Record<string, unknown>)[part];
    if (typeof v === 'number' && Number.isFinite(v)) out[part] = v;
  }
  return out;
}

const CURRENT_HOTKEY = 'EXISTS (SELECT 1 FROM miners m WHERE m.uid = $1 AND m.hotkey = $3)';

export class ScoresRepo {
  constructor(private readonly db: Db) {}

  /** Sets a moving score; returns false when the hotkey is not the uid's current one. */
  async setMoving(score: MovingScore): Promise<boolean> {
    checkUid(score.uid);
    checkFinite(score.score, 'score');
    const rows = await this.db.query(
      `INSERT INTO miner_scores (uid, task_kind, hotkey, score, samples, updated_ms)
       SELECT $1, $2, $3, $4, $5, $6 WHERE ${CURRENT_HOTKEY}
       ON CONFLICT (uid, task_kind) DO UPDATE SET hotkey = EXCLUDED.hotkey, score = EXCLUDED.score,
         samples = EXCLUDED.samples, updated_ms = EXCLUDED.updated_ms
       RETURNING uid`,
      [score.uid, score.taskKind, score.hotkey, score.score, score.samples, score.updatedMs],
    );
    return rows.length === 1;
  }

  listMoving(): Promise<MovingScore[]> {
    return this.db.query<MovingScore>(
      `SELECT uid, task_kind AS "taskKind", hotkey, score, samples, updated_ms AS "updatedMs"
       FROM miner_scores ORDER BY uid, task_kind`,
    );
  }

  /** Writes one period's scores in one transaction; rows for a stale hotkey are skipped. */
  recordPeriod(scores: readonly PeriodScore[]): Promise<number> {
    for (const s of scores) {
      checkUid(s.uid);
      checkFinite(s.score, 'score');
    }
    return this.db.atomic(async (tx) => {
      let written = 0;
      for (const s of scores) {
        const rows = await tx.query(
          `INSERT INTO period_scores (uid, task_kind, hotkey, period, score, components, created_ms)
           SELECT $1, $2, $3, $4, $5, $6::jsonb, $7 WHERE ${CURRENT_HOTKEY}
           ON CONFLICT (period, uid, task_kind) DO UPDATE SET hotkey = EXCLUDED.hotkey,
             score = EXCLUDED.score, components = EXCLUDED.components,
             created_ms = EXCLUDED.created_ms
           RETURNING uid`,
          [
            s.uid,
            s.taskKind,
            s.hotkey,
            s.period,
            s.score,
            JSON.stringify(s.components),
            s.createdMs,
          ],
        );
        written += rows.length;
      }
      return written;
    });
  }

  async listPeriod(period: number): Promise<PeriodScore[]> {
    const rows = await this.db.query<Omit<PeriodScore, 'components'> & { components: unknown }>(
      `SELECT period, uid, task_kind AS "taskKind", hotkey, score, components,
         created_ms AS "createdMs"
       FROM period_scores WHERE period = $1 ORDER BY uid, task_kind`,
      [period],
    );
    return rows.map((r) => ({ ...r, components: parseScoreComponents(r.components) }));
  }

  /**
   * The scores of the `periods` newest periods that have any (for trends), oldest first, without
   * their components; at most `limit` rows, the newest kept when there are more.
   */
  async listRecentPeriods(periods: number, limit: number): Promise<RecentScore[]> {
    const rows = await this.db.query<RecentScore>(
      `SELECT period, uid, task_kind AS "taskKind", hotkey, score FROM period_scores
       WHERE period IN (SELECT DISTINCT period FROM period_scores ORDER BY period DESC LIMIT $1)
       ORDER BY period DESC, uid DESC, task_kind DESC LIMIT $2`,
      [Math.max(0, Math.floor(periods)), Math.max(0, Math.floor(limit))],
    );
    return rows.reverse();
  }

  /** The newest period with any score, or undefined. */
  async latestPeriod(): Promise<number | undefined> {
    const [row] = await this.db.query<{ period: number | null }>(
      'SELECT max(period) AS period FROM period_scores',
    );
    return row?.period ?? undefined;
  }

  /** Deletes the scores of periods before `beforePeriod`; returns how many rows. */
  async prunePeriods(beforePeriod: number): Promise<number> {
    const rows = await this.db.query(
      'DELETE FROM period_scores WHERE period < $1 RETURNING period',
      [beforePeriod],
    );
    return rows.length;
  }
}
