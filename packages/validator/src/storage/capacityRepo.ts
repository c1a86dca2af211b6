/**
 * Each miner's newest answer to the Capacity question: the volumes the validator accepted (after
 * its own caps), or why the answer was refused (unparsable, out of bounds, no answer). One row per
 * uid, replaced each period; the status page shows it next to the miner's scores.
 */
import { checkUid } from './checks';
import type { Db } from './db';

export interface CapacityAnswer {
  uid: number;
  hotkey: string;
  period: number;
  /** False when the answer was refused or missing (the miner keeps its last accepted offer). */
  accepted: boolean;
  /** Why it was refused, or what was capped; null for a plain accepted answer. */
  reason: string | null;
  /** The volumes the validator plans with, by task kind (after its caps). */
  volumes: Record<string, number>;
  updatedMs: number;
}

const REASON_MAX_CHARS = 500;

export class CapacityRepo {
  constructor(private readonly db: Db) {}

  /** Stores a uid's answer; dropped (false) when the uid has another hotkey by now. */
  async record(answer: CapacityAnswer): Promise<boolean> {
    checkUid(answer.uid);
    const rows = await this.db.query(
      `INSERT INTO capacity_answers (uid, hotkey, period, accepted, reason, volumes, updated_ms)
       SELECT $1, $2, $3, $4, $5, $6::jsonb, $7
       WHERE EXISTS (SELECT 1 FROM miners WHERE uid = $1 AND hotkey = $2)
       ON CONFLICT (uid) DO UPDATE SET hotkey = EXCLUDED.hotkey, period = EXCLUDED.period,
         accepted = EXCLUDED.accepted, reason = EXCLUDED.reason, volumes = EXCLUDED.volumes,
         updated_ms = EXCLUDED.updated_ms
       RETURNING uid`,
      [
        answer.uid,
        answer.hotkey,
        answer.period,
        answer.accepted,
        answer.reason === null ? null : answer.reason.slice(0, REASON_MAX_CHARS),
        JSON.stringify(answer.volumes),
        answer.updatedMs,
      ],
    );
    return rows.length === 1;
  }

  list(): Promise<CapacityAnswer[]> {
    return this.db.query<CapacityAnswer>(
      `SELECT uid, hotkey, period, accepted, reason, volumes, updated_ms AS "updatedMs"
       FROM capacity_answers ORDER BY uid`,
    );
  }
}
