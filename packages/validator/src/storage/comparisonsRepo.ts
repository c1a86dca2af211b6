/**
 * Head-to-head records: two miners answered the same task and the validator preferred one.
 * Recorded only while both uids still have the hotkeys that answered.
 */
import { checkUid, invalid } from './checks';
import type { Db } from './db';

export interface Comparison {
  taskId: string;
  taskKind: string;
  uidA: number;
  hotkeyA: string;
  uidB: number;
  hotkeyB: string;
  /** Preference of A over B in [0, 1]: 1 = A wins, 0 = B wins, 0.5 = tie. */
  preference: number;
  createdMs: number;
}

export interface StoredComparison extends Comparison {
  id: number;
}

const SELECT_COMPARISON = `SELECT id, task_id AS "taskId", task_kind AS "taskKind", uid_a AS "uidA",
  hotkey_a AS "hotkeyA", uid_b AS "uidB", hotkey_b AS "hotkeyB", preference,
  created_ms AS "createdMs" FROM comparisons`;

export class ComparisonsRepo {
  constructor(private readonly db: Db) {}

  async record(c: Comparison): Promise<number | undefined> {
    checkUid(c.uidA, 'uidA');
    checkUid(c.uidB, 'uidB');
    if (c.uidA === c.uidB) throw invalid(`a comparison needs two miners; got uid ${c.uidA} twice`);
    if (!(c.preference >= 0 && c.preference <= 1)) {
      throw invalid(`preference must be in [0, 1]; got ${c.preference}`);
    }
    const [row] = await this.db.query<{ id: number }>(
      `INSERT INTO comparisons (task_id, task_kind, uid_a, hotkey_a, uid_b, hotkey_b, preference,
         created_ms)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8
       WHERE EXISTS (SELECT 1 FROM miners WHERE uid = $3 AND hotkey = $4)
         AND EXISTS (SELECT 1 FROM miners WHERE uid = $5 AND hotkey = $6)
       RETURNING id`,
      [c.taskId, c.taskKind, c.uidA, c.hotkeyA, c.uidB, c.hotkeyB, c.preference, c.createdMs],
    );
    return row?.id;
  }

  /** Comparisons created in [fromMs, toMs), oldest first. */
  listBetween(fromMs: number, toMs: number): Promise<StoredComparison[]> {
    return this.db.query<StoredComparison>(
      `${SELECT_COMPARISON} WHERE created_ms >= $1 AND created_ms < $2 ORDER BY created_ms, id`,
      [fromMs, toMs],
    );
  }

  listForUid(uid: number, limit = 100): Promise<StoredComparison[]> {
    return this.db.query<StoredComparison>(
      `${SELECT_COMPARISON} WHERE uid_a = $1 OR uid_b = $1 ORDER BY created_ms DESC, id DESC
       LIMIT $2`,
      [uid, limit],
    );
  }

  /** Deletes comparisons created before `beforeMs`; returns how many. */
  async prune(beforeMs: number): Promise<number> {
    const rows = await this.db.query('DELETE FROM comparisons WHERE created_ms < $1 RETURNING id', [
      beforeMs,
    ]);
    return rows.length;
  }
}
