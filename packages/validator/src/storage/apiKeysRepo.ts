/**
 * API keys of the organic API as stored: only the hash of each secret, the per-minute rate limit
 * with its token bucket, and usage counters per key and UTC day. The token bucket lives in the
 * database so that several API processes sharing one PostgreSQL share one limit per key; a take
 * locks the key's row for its transaction.
 */
import { invalid } from './checks';
import type { Db } from './db';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export interface ApiKeyRecord {
  id: string;
  name: string;
  secretHash: string;
  rateLimitPerMinute: number;
  createdMs: number;
  revokedMs: number | null;
  lastUsedMs: number | null;
}

export interface NewApiKeyRecord {
  id: string;
  name: string;
  secretHash: string;
  rateLimitPerMinute: number;
  nowMs: number;
}

export type TokenTake =
  | { readonly allowed: true; readonly remaining: number }
  | { readonly allowed: false; readonly retryAfterMs: number };

export interface UsageDelta {
  inputTokens?: number;
  outputTokens?: number;
  images?: number;
}

export interface UsageTotals {
  requests: number;
  refused: number;
  inputTokens: number;
  outputTokens: number;
  images: number;
}

const SELECT_KEY = `SELECT id, name, secret_hash AS "secretHash",
  rate_limit_per_minute AS "rateLimitPerMinute", created_ms AS "createdMs",
  revoked_ms AS "revokedMs", last_used_ms AS "lastUsedMs" FROM api_keys`;

function checkRateLimit(perMinute: number): void {
  if (!Number.isInteger(perMinute) || perMinute < 1 || perMinute > 1_000_000) {
    throw invalid(`the rate limit must be an integer in [1, 1000000] per minute; got ${perMinute}`);
  }
}

function dayOf(ms: number): number {
  return ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
}

function checkCount(value: number | undefined, what: string): number {
  const v = value ?? 0;
  if (!Number.isSafeInteger(v) || v < 0) throw invalid(`${what} must be a count; got ${value}`);
  return v;
}

export class ApiKeysRepo {
  constructor(private readonly db: Db) {}

  /** Stores a key with a full bucket. */
  async create(key: NewApiKeyRecord): Promise<void> {
    checkRateLimit(key.rateLimitPerMinute);
    await this.db.query(
      `INSERT INTO api_keys (id, name, secret_hash, rate_limit_per_minute, bucket_tokens,
         bucket_updated_ms, created_ms)
       VALUES ($1, $2, $3, $4::int4, $4::float8, $5, $5)`,
      [key.id, key.name, key.secretHash, key.rateLimitPerMinute, key.nowMs],
    );
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const [row] = await this.db.query<ApiKeyRecord>(`${SELECT_KEY} WHERE id = $1`, [id]);
    return row;
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.db.query<ApiKeyRecord>(`${SELECT_KEY} ORDER BY created_ms, id`);
  }

  /** Revokes a key; false when there is no such key or it was revoked already. */
  async revoke(id: string, nowMs: number): Promise<boolean> {
    const rows = await this.db.query(
      'UPDATE api_keys SET revoked_ms = $2 WHERE id = $1 AND revoked_ms IS NULL RETURNING id',
      [id, nowMs],
    );
    return rows.length === 1;
  }

  /**
   * Changes a key's limit. The bucket is first settled at the old rate up to `nowMs`, then capped
   * at the new limit; it refills at the new rate from then on.
   */
  async setRateLimit(id: string, perMinute: number, nowMs: number): Promise<boolean> {
    checkRateLimit(perMinute);
    const rows = await this.db.query(
      `UPDATE api_keys SET
         bucket_tokens = LEAST($2::float8, rate_limit_per_minute::float8, bucket_tokens
           + (GREATEST(0, $3::int8 - bucket_updated_ms) * rate_limit_per_minute)::float8 / 60000),
         bucket_updated_ms = GREATEST(bucket_updated_ms, $3::int8),
         rate_limit_per_minute = $2::int4
       WHERE id = $1 RETURNING id`,
      [id, perMinute, nowMs],
    );
    return rows.length === 1;
  }

  /**
   * Takes one request from the key's bucket: it holds at most `rateLimitPerMinute` tokens and
   * refills at that many per minute. Counts the request as admitted or refused in the day's usage.
   * A revoked or unknown key is refused with `retryAfterMs` Infinity.
   */
  takeToken(id: string, nowMs: number): Promise<TokenTake> {
    return this.db.atomic(async (tx) => {
      const [row] = await tx.query<{ cap: number; tokens: number; updatedMs: number }>(
        `SELECT rate_limit_per_minute AS cap, bucket_tokens AS tokens,
           bucket_updated_ms AS "updatedMs"
         FROM api_keys WHERE id = $1 AND revoked_ms IS NULL FOR UPDATE`,
        [id],
      );
      if (!row) return { allowed: false, retryAfterMs: Number.POSITIVE_INFINITY };
      const elapsed = Math.max(0, nowMs - row.updatedMs);
      const refilled = Math.min(row.cap, row.tokens + (elapsed * row.cap) / MINUTE_MS);
      const allowed = refilled >= 1;
      const tokens = allowed ? refilled - 1 : refilled;
      await tx.query(
        `UPDATE api_keys SET bucket_tokens = $2, bucket_updated_ms = GREATEST(bucket_updated_ms, $3),
           last_used_ms = CASE WHEN $4 THEN $3 ELSE last_used_ms END
         WHERE id = $1`,
        [id, tokens, nowMs, allowed],
      );
      await tx.query(
        `INSERT INTO api_usage (key_id, day_ms, requests, refused) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key_id, day_ms) DO UPDATE SET requests = api_usage.requests + EXCLUDED.requests,
           refused = api_usage.refused + EXCLUDED.refused`,
        [id, dayOf(nowMs), allowed ? 1 : 0, allowed ? 0 : 1],
      );
      if (allowed) return { allowed: true, remaining: Math.floor(tokens) };
      return { allowed: false, retryAfterMs: Math.ceil(((1 - tokens) * MINUTE_MS) / row.cap) };
    });
  }

  /** Adds what a finished request consumed to the key's usage of that day. */
  async addUsage(id: string, delta: UsageDelta, nowMs: number): Promise<void> {
    const inputTokens = checkCount(delta.inputTokens, 'inputTokens');
    const outputTokens = checkCount(delta.outputTokens, 'outputTokens');
    const images = checkCount(delta.images, 'images');
    await this.db.query(
      `INSERT INTO api_usage (key_id, day_ms, input_tokens, output_tokens, images)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (key_id, day_ms) DO UPDATE SET
         input_tokens = api_usage.input_tokens + EXCLUDED.input_tokens,
         output_tokens = api_usage.output_tokens + EXCLUDED.output_tokens,
         images = api_usage.images + EXCLUDED.images`,
      [id, dayOf(nowMs), inputTokens, outputTokens, images],
    );
  }

  /** Usage of one key over the UTC days touching [fromMs, toMs); all time by default. */
  async usage(id: string, range: { fromMs?: number; toMs?: number } = {}): Promise<UsageTotals> {
    const [row] = await this.db.query<UsageTotals>(
      `SELECT coalesce(sum(requests), 0)::int8 AS requests, coalesce(sum(refused), 0)::int8 AS refused,
         coalesce(sum(input_tokens), 0)::int8 AS "inputTokens",
         coalesce(sum(output_tokens), 0)::int8 AS "outputTokens",
         coalesce(sum(images), 0)::int8 AS images
       FROM api_usage WHERE key_id = $1 AND day_ms >= $2 AND day_ms < $3`,
      [id, dayOf(range.fromMs ?? 0), range.toMs ?? Number.MAX_SAFE_INTEGER],
    );
    return row as UsageTotals;
  }
}
