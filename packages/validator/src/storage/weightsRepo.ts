/**
 * Weight-setting history. A plain `set_weights` is recorded with its outcome; a commit-reveal
 * commit is recorded `pending` with its hash and salt before anything else happens, so a restart
 * between commit and reveal still knows what to reveal and when.
 */
import { checkU16List, checkUid, invalid } from './checks';
import type { Db } from './db';

export type WeightMode = 'set' | 'commit';
/** How the weights went to the chain (the chain package's `WeightsPath`). */
export type WeightPath = 'set' | 'commit_hash' | 'commit_timelocked';
export type WeightStatus = 'pending' | 'done' | 'failed';

export interface WeightVector {
  netuid: number;
  /** Neuron uids, u16. */
  uids: readonly number[];
  /** u16-normalized weights, one per uid. */
  weights: readonly number[];
  versionKey: number;
}

export interface WeightSetting extends WeightVector {
  id: number;
  mode: WeightMode;
  status: WeightStatus;
  /** The block the extrinsic landed in (commit block for a commit), when known. */
  block: number | null;
  commitHash: string | null;
  /** The salt the commit hash was made with (u16 values). */
  salt: number[] | null;
  /** First block the reveal may be sent at. */
  revealAfterBlock: number | null;
  revealedBlock: number | null;
  path: WeightPath;
  mecid: number;
  /** The validator's uid, and the head when the weights were prepared (both null before v4). */
  uid: number | null;
  preparedBlock: number | null;
  /** Timelocked commits: the drand round the chain decrypts them at, and the ciphertext (hex). */
  revealRound: number | null;
  commitData: string | null;
  error: string | null;
  createdMs: number;
  updatedMs: number;
  uids: number[];
  weights: number[];
}

export interface SetRecord extends WeightVector {
  status: 'done' | 'failed';
  block?: number;
  error?: string;
  nowMs: number;
}

export interface CommitRecord extends WeightVector {
  block?: number;
  commitHash: string;
  salt: readonly number[];
  revealAfterBlock: number;
  nowMs: number;
}

/**
 * Weights prepared and about to be sent: stored `pending` first, so a restart (or a connection
 * lost while the extrinsic was in flight) finds them and reads from the chain what became of them.
 */
export interface PreparedRecord extends WeightVector {
  path: WeightPath;
  mecid: number;
  uid: number;
  preparedBlock: number;
  /** Hash commits: the hash and its salt. Timelocked commits: blake2 of the ciphertext, no salt. */
  commitHash?: string;
  salt?: readonly number[];
  revealAfterBlock?: number;
  revealRound?: number;
  commitData?: string;
  nowMs: number;
}

const SELECT_SETTING = `SELECT id, netuid, mode, status, block, uids, weights,
  version_key AS "versionKey", commit_hash AS "commitHash", salt,
  reveal_after_block AS "revealAfterBlock", revealed_block AS "revealedBlock", path, mecid, uid,
  prepared_block AS "preparedBlock", reveal_round AS "revealRound", commit_data AS "commitData", error,
  created_ms AS "createdMs", updated_ms AS "updatedMs" FROM weight_settings`;

function checkVector(v: WeightVector): void {
  if (v.uids.length !== v.weights.length) {
    throw invalid(`uids (${v.uids.length}) and weights (${v.weights.length}) differ in length`);
  }
  checkU16List(v.uids, 'uids');
  checkU16List(v.weights, 'weights');
}

export class WeightsRepo {
  constructor(private readonly db: Db) {}

  async recordSet(r: SetRecord): Promise<number> {
    checkVector(r);
    const [row] = await this.db.query<{ id: number }>(
      `INSERT INTO weight_settings (netuid, mode, status, block, uids, weights, version_key, error,
         created_ms, updated_ms)
       VALUES ($1, 'set', $2, $3, $4::int4[], $5::int4[], $6, $7, $8, $8) RETURNING id`,
      [
        r.netuid,
        r.status,
        r.block ?? null,
        [...r.uids],
        [...r.weights],
        r.versionKey,
        r.error ?? null,
        r.nowMs,
      ],
    );
    return (row as { id: number }).id;
  }

  async recordCommit(r: CommitRecord): Promise<number> {
    checkVector(r);
    checkU16List(r.salt, 'salt');
    if (r.commitHash.length === 0) throw invalid('commitHash must not be empty');
    const [row] = await this.db.query<{ id: number }>(
      `INSERT INTO weight_settings (netuid, mode, path, status, block, uids, weights, version_key,
         commit_hash, salt, reveal_after_block, created_ms, updated_ms)
       VALUES ($1, 'commit', 'commit_hash', 'pending', $2, $3::int4[], $4::int4[], $5, $6,
         $7::int4[], $8, $9, $9)
       RETURNING id`,
      [
        r.netuid,
        r.block ?? null,
        [...r.uids],
        [...r.weights],
        r.versionKey,
        r.commitHash,
        [...r.salt],
        r.revealAfterBlock,
        r.nowMs,
      ],
    );
    return (row as { id: number }).id;
  }

  /** Stores prepared weights as `pending` before they are sent; resolves with the row id. */
  async recordPrepared(r: PreparedRecord): Promise<number> {
    checkVector(r);
    checkUid(r.uid);
    checkU16List(r.salt ?? [], 'salt');
    if (r.path !== 'set' && !r.commitHash) throw invalid(`a ${r.path} needs its commitHash`);
    if (r.path === 'commit_timelocked' && (r.revealRound === undefined || !r.commitData)) {
      throw invalid('a timelocked commit needs its revealRound and commitData');
    }
    const [row] = await this.db.query<{ id: number }>(
      `INSERT INTO weight_settings (netuid, mode, status, uids, weights, version_key, commit_hash,
         salt, reveal_after_block, path, mecid, uid, prepared_block, reveal_round, commit_data,
         created_ms, updated_ms)
       VALUES ($1, $2, 'pending', $3::int4[], $4::int4[], $5, $6, $7::int4[], $8, $9, $10, $11,
         $12, $13, $14, $15, $15)
       RETURNING id`,
      [
        r.netuid,
        r.path === 'set' ? 'set' : 'commit',
        [...r.uids],
        [...r.weights],
        r.versionKey,
        r.commitHash ?? null,
        r.path === 'set' ? null : [...(r.salt ?? [])],
        r.revealAfterBlock ?? null,
        r.path,
        r.mecid,
        r.uid,
        r.preparedBlock,
        r.revealRound ?? null,
        r.commitData ?? null,
        r.nowMs,
      ],
    );
    return (row as { id: number }).id;
  }

  /**
   * Records the block a pending row's extrinsic landed in. A plain set and a timelocked commit
   * are then done (the chain reveals a timelocked commit itself); a hash commit stays pending
   * until it is revealed. False when the row was not pending.
   */
  async markLanded(id: number, block: number, nowMs: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE weight_settings
       SET block = $2, updated_ms = $3,
         status = CASE WHEN path = 'commit_hash' THEN 'pending' ELSE 'done' END
       WHERE id = $1 AND status = 'pending' RETURNING id`,
      [id, block, nowMs],
    );
    return rows.length === 1;
  }

  /** Every pending row (sent or about to be, or a hash commit awaiting its reveal), oldest first. */
  inFlight(netuid: number): Promise<WeightSetting[]> {
    return this.db.query<WeightSetting>(
      `${SELECT_SETTING} WHERE netuid = $1 AND status = 'pending' ORDER BY id`,
      [netuid],
    );
  }

  /** Commits not yet revealed, oldest first. */
  pendingCommits(netuid: number): Promise<WeightSetting[]> {
    return this.db.query<WeightSetting>(
      `${SELECT_SETTING} WHERE netuid = $1 AND status = 'pending' AND mode = 'commit' ORDER BY id`,
      [netuid],
    );
  }

  /** Marks a pending commit revealed; false when it was not pending. */
  async markRevealed(id: number, revealedBlock: number, nowMs: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE weight_settings SET status = 'done', revealed_block = $2, updated_ms = $3
       WHERE id = $1 AND status = 'pending' RETURNING id`,
      [id, revealedBlock, nowMs],
    );
    return rows.length === 1;
  }

  /** Marks a pending commit failed (its reveal window passed, or the reveal was refused). */
  async markFailed(id: number, error: string, nowMs: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE weight_settings SET status = 'failed', error = $2, updated_ms = $3
       WHERE id = $1 AND status = 'pending' RETURNING id`,
      [id, error, nowMs],
    );
    return rows.length === 1;
  }

  async get(id: number): Promise<WeightSetting | undefined> {
    const [row] = await this.db.query<WeightSetting>(`${SELECT_SETTING} WHERE id = $1`, [id]);
    return row;
  }

  /** Newest first. */
  history(netuid: number, limit = 20): Promise<WeightSetting[]> {
    return this.db.query<WeightSetting>(
      `${SELECT_SETTING} WHERE netuid = $1 ORDER BY id DESC LIMIT $2`,
      [netuid, limit],
    );
  }

  /** The block of the newest successful set or commit, for the chain's rate limit. */
  async lastSuccessBlock(netuid: number): Promise<number | undefined> {
    const [row] = await this.db.query<{ block: number | null }>(
      `SELECT max(block) AS block FROM weight_settings
       WHERE netuid = $1 AND status IN ('done', 'pending')`,
      [netuid],
    );
    return row?.block ?? undefined;
  }
}
