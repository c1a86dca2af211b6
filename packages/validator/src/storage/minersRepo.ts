/**
 * Miners by uid with their current hotkey. A uid whose hotkey changes is a new miner: its results,
 * scores, period scores and comparisons are deleted in the same transaction, so no history of the
 * old hotkey is credited to the new one. Weight history stays (it is what the chain holds).
 */
import { checkUid } from './checks';
import type { Db } from './db';
import type { SqlExecutor } from './sqlClient';

export interface Miner {
  uid: number;
  hotkey: string;
  /** When this uid got its current hotkey. */
  sinceMs: number;
  updatedMs: number;
}

export interface MinerSync {
  uid: number;
  hotkey: string;
}

export type MinerChange = 'new' | 'same' | 'replaced';

export interface MetagraphSyncReport {
  readonly added: readonly number[];
  readonly replaced: readonly number[];
}

const SELECT_MINER = `SELECT uid, hotkey, since_ms AS "sinceMs", updated_ms AS "updatedMs" FROM miners`;

async function deleteHistory(tx: SqlExecutor, uid: number): Promise<void> {
  await tx.query('DELETE FROM task_results WHERE uid = $1', [uid]);
  await tx.query('DELETE FROM miner_scores WHERE uid = $1', [uid]);
  await tx.query('DELETE FROM period_scores WHERE uid = $1', [uid]);
  await tx.query('DELETE FROM comparisons WHERE uid_a = $1 OR uid_b = $1', [uid]);
  await tx.query('DELETE FROM capacity_answers WHERE uid = $1', [uid]);
}

async function syncOne(tx: SqlExecutor, miner: MinerSync, nowMs: number): Promise<MinerChange> {
  checkUid(miner.uid);
  const [current] = await tx.query<{ hotkey: string }>(
    'SELECT hotkey FROM miners WHERE uid = $1 FOR UPDATE',
    [miner.uid],
  );
  if (!current) {
    await tx.query(
      'INSERT INTO miners (uid, hotkey, since_ms, updated_ms) VALUES ($1, $2, $3, $3)',
      [miner.uid, miner.hotkey, nowMs],
    );
    // Rows left by a uid that was dropped from this table are not this miner's.
    await deleteHistory(tx, miner.uid);
    return 'new';
  }
  if (current.hotkey === miner.hotkey) {
    await tx.query('UPDATE miners SET updated_ms = $2 WHERE uid = $1', [miner.uid, nowMs]);
    return 'same';
  }
  await deleteHistory(tx, miner.uid);
  await tx.query('UPDATE miners SET hotkey = $2, since_ms = $3, updated_ms = $3 WHERE uid = $1', [
    miner.uid,
    miner.hotkey,
    nowMs,
  ]);
  return 'replaced';
}

export class MinersRepo {
  constructor(private readonly db: Db) {}

  /** Records one uid's hotkey; on a change, resets that uid's history. */
  sync(miner: MinerSync, nowMs: number): Promise<MinerChange> {
    return this.db.atomic((tx) => syncOne(tx, miner, nowMs));
  }

  /** Records a whole metagraph in one transaction; returns the uids that are new or replaced. */
  syncMetagraph(miners: readonly MinerSync[], nowMs: number): Promise<MetagraphSyncReport> {
    return this.db.atomic(async (tx) => {
      const added: number[] = [];
      const replaced: number[] = [];
      for (const miner of miners) {
        const change = await syncOne(tx, miner, nowMs);
        if (change === 'new') added.push(miner.uid);
        if (change === 'replaced') replaced.push(miner.uid);
      }
      return { added, replaced };
    });
  }

  async get(uid: number): Promise<Miner | undefined> {
    const [row] = await this.db.query<Miner>(`${SELECT_MINER} WHERE uid = $1`, [uid]);
    return row;
  }

  list(): Promise<Miner[]> {
    return this.db.query<Miner>(`${SELECT_MINER} ORDER BY uid`);
  }
}
