/**
 * One row per query of a miner: which task, how long, how it ended, and, for the sampled ones,
 * the score of checking it by reproduction. Rows are written only for a uid's current hotkey: a
 * result that arrives after the uid changed hands is dropped (`record` returns undefined).
 */
import { checkFinite, checkUid } from './checks';
import type { Db } from './db';

export interface NewTaskResult {
  /** The task's id; two miners given the same task (head-to-head) share it. */
  taskId: string;
  taskKind: string;
  organic?: boolean;
  uid: number;
  hotkey: string;
  startedMs: number;
  /** Wall time of the query; undefined when it never answered. */
  durationMs?: number;
  /** HTTP status of the miner's answer (or the dendrite's code for a timeout). */
  statusCode: number;
  error?: string;
  createdMs: number;
}

export interface TaskResult extends Required<Omit<NewTaskResult, 'durationMs' | 'error'>> {
  id: number;
  durationMs: number | null;
  error: string | null;
  checked: boolean;
  checkScore: number | null;
  /** Why the check scored what it did (e.g. reproduced, partial, sample-mismatch). */
  checkReason: string | null;
  checkedMs: number | null;
  /** Excused as the validator's own outage (every miner failing at once): not scored. */
  excused: boolean;
}

/** What the outage finder needs of a result. */
export interface ResultTiming {
  id: number;
  uid: number;
  startedMs: number;
  statusCode: number;
}

export interface ResultSummary {
  uid: number;
  taskKind: string;
  total: number;
  /** Results with a 2xx status. */
  succeeded: number;
  checked: number;
  /** Mean check score over checked results; null when none was checked. */
  meanCheckScore: number | null;
  /** Mean duration over 2xx results; null when none. */
  meanDurationMs: number | null;
}

const SELECT_RESULT = `SELECT id, task_id AS "taskId", task_kind AS "taskKind", organic, uid, hotkey,
  started_ms AS "startedMs", duration_ms AS "durationMs", status_code AS "statusCode",
  checked, check_score AS "checkScore", check_reason AS "checkReason", checked_ms AS "checkedMs", error,
  excused, created_ms AS "createdMs"
  FROM task_results`;

export class TaskResultsRepo {
  constructor(private readonly db: Db) {}

  async record(result: NewTaskResult): Promise<number | undefined> {
    checkUid(result.uid);
    if (result.durationMs !== undefined) checkFinite(result.durationMs, 'durationMs');
    const [row] = await this.db.query<{ id: number }>(
      `INSERT INTO task_results (task_id, task_kind, organic, uid, hotkey, started_ms, duration_ms,
         status_code, error, created_ms)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
       WHERE EXISTS (SELECT 1 FROM miners WHERE uid = $4 AND hotkey = $5)
       RETURNING id`,
      [
        result.taskId,
        result.taskKind,
        result.organic ?? false,
        result.uid,
        result.hotkey,
        result.startedMs,
        result.durationMs ?? null,
        result.statusCode,
        result.error ?? null,
        result.createdMs,
      ],
    );
    return row?.id;
  }

  /**
   * Stores the score of checking a result and why; returns false when the result no longer
   * exists.
   */
  async markChecked(
    id: number,
    checkScore: number,
    nowMs: number,
    reason?: string,
  ): Promise<boolean> {
    checkFinite(checkScore, 'checkScore');
    const rows = await this.db.query(
      `UPDATE task_results SET checked = true, check_score = $2, checked_ms = $3, check_reason = $4
       WHERE id = $1 RETURNING id`,
      [id, checkScore, nowMs, reason ?? null],
    );
    return rows.length === 1;
  }

  async get(id: number): Promise<TaskResult | undefined> {
    const [row] = await this.db.query<TaskResult>(`${SELECT_RESULT} WHERE id = $1`, [id]);
    return row;
  }

  /** Newest first. */
  listForUid(
    uid: number,
    options: { sinceMs?: number; limit?: number } = {},
  ): Promise<TaskResult[]> {
    return this.db.query<TaskResult>(
      `${SELECT_RESULT} WHERE uid = $1 AND created_ms >= $2 ORDER BY created_ms DESC, id DESC LIMIT $3`,
      [uid, options.sinceMs ?? 0, options.limit ?? 100],
    );
  }

  /** Answered (2xx) results not checked yet, oldest first: what a checker resumes after a restart. */
  listUnchecked(options: { sinceMs?: number; limit?: number } = {}): Promise<TaskResult[]> {
    return this.db.query<TaskResult>(
      `${SELECT_RESULT} WHERE NOT checked AND status_code BETWEEN 200 AND 299 AND created_ms >= $1
       ORDER BY created_ms, id LIMIT $2`,
      [options.sinceMs ?? 0, options.limit ?? 100],
    );
  }

  listForTask(taskId: string): Promise<TaskResult[]> {
    return this.db.query<TaskResult>(`${SELECT_RESULT} WHERE task_id = $1 ORDER BY id`, [taskId]);
  }

  /** Synthetic results created in [fromMs, toMs), by start time: what outages are found in. */
  listTimings(fromMs: number, toMs: number): Promise<ResultTiming[]> {
    return this.db.query<ResultTiming>(
      `SELECT id, uid, started_ms AS "startedMs", status_code AS "statusCode" FROM task_results
       WHERE created_ms >= $1 AND created_ms < $2 AND NOT organic ORDER BY started_ms, id`,
      [fromMs, toMs],
    );
  }

  /** Marks results as excused (the validator's own outage); returns how many were marked. */
  async excuse(ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await this.db.query(
      'UPDATE task_results SET excused = true WHERE id = ANY($1::int8[]) AND NOT excused RETURNING id',
      [ids],
    );
    return rows.length;
  }

  /**
   * Per uid and task kind, over results created in [fromMs, toMs). Left out: results excused as
   * the validator's own outage, and organic refusals (4xx other than 408): an organic request is
   * the client's, and a client's mistake (or a client flooding the API past what miners offered,
   * answered 429) must never count against a miner, while a refusal of the validator's own
   * well-formed synthetic task does.
   */
  summarize(fromMs: number, toMs: number): Promise<ResultSummary[]> {
    return this.db.query<ResultSummary>(
      `SELECT uid, task_kind AS "taskKind",
         count(*)::int8 AS total,
         count(*) FILTER (WHERE status_code BETWEEN 200 AND 299)::int8 AS succeeded,
         count(*) FILTER (WHERE checked)::int8 AS checked,
         avg(check_score) FILTER (WHERE checked) AS "meanCheckScore",
         avg(duration_ms) FILTER (WHERE status_code BETWEEN 200 AND 299) AS "meanDurationMs"
       FROM task_results WHERE created_ms >= $1 AND created_ms < $2 AND NOT excused
         AND NOT (organic AND status_code BETWEEN 400 AND 499 AND status_code <> 408)
       GROUP BY uid, task_kind ORDER BY uid, task_kind`,
      [fromMs, toMs],
    );
  }

  /** Which of `uids` have ever answered a query (a 2xx result stored), in uid order. */
  async answeredUids(uids: readonly number[]): Promise<number[]> {
    if (uids.length === 0) return [];
    const rows = await this.db.query<{ uid: number }>(
      `SELECT u.uid FROM unnest($1::int4[]) AS u(uid)
       WHERE EXISTS (SELECT 1 FROM task_results t
         WHERE t.uid = u.uid AND t.status_code BETWEEN 200 AND 299)
       ORDER BY u.uid`,
      [[...new Set(uids)]],
    );
    return rows.map((r) => r.uid);
  }

  /** Deletes results created before `beforeMs`; returns how many. */
  async prune(beforeMs: number): Promise<number> {
    const rows = await this.db.query(
      'DELETE FROM task_results WHERE created_ms < $1 RETURNING id',
      [beforeMs],
    );
    return rows.length;
  }
}
