/**
 * The organic API's keys: create (the secret is returned once, only its hash kept), verify,
 * authorize a request against the key's per-minute rate limit, account usage, list, revoke.
 * The API routes call `authorize` per request and `recordUsage` when the request is done.
 */
import type { Logger } from 'pino';
import pino from 'pino';
import { ValidatorError, ValidatorErrorCode } from '../errors';
import type { ApiKeyRecord, ApiKeysRepo, UsageDelta, UsageTotals } from '../storage/apiKeysRepo';
import { generateKey, hashSecret, keyIdOf, secretMatches } from './keySecret';

export interface ApiKeyInfo {
  id: string;
  name: string;
  rateLimitPerMinute: number;
  createdMs: number;
  revokedMs: number | null;
  lastUsedMs: number | null;
}

export interface ApiKeyListing extends ApiKeyInfo {
  usage: UsageTotals;
}

export interface CreatedKey extends ApiKeyInfo {
  /** The secret to hand to the client; it is not stored and cannot be shown again. */
  secret: string;
}

export type Authorization =
  | { readonly ok: true; readonly key: ApiKeyInfo; readonly remaining: number }
  | { readonly ok: false; readonly reason: 'invalid' | 'revoked' }
  | { readonly ok: false; readonly reason: 'rate_limited'; readonly retryAfterMs: number };

export interface ApiKeysOptions {
  now?: () => number;
  logger?: Logger;
}

const NAME_MAX = 64;
// Compared against when a secret names no stored key, so that answer costs a hash and a compare too.
const UNUSED_HASH = hashSecret('sn_000000000000_unused');

function info(record: ApiKeyRecord): ApiKeyInfo {
  return {
    id: record.id,
    name: record.name,
    rateLimitPerMinute: record.rateLimitPerMinute,
    createdMs: record.createdMs,
    revokedMs: record.revokedMs,
    lastUsedMs: record.lastUsedMs,
  };
}

function argument(message: string): ValidatorError {
  return new ValidatorError(ValidatorErrorCode.ApiKeyInvalidArgument, message);
}

export class ApiKeys {
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(
    private readonly repo: ApiKeysRepo,
    options: ApiKeysOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.log = (options.logger ?? pino({ level: 'silent' })).child({ module: 'apiKeys' });
  }

  async createKey(name: string, rateLimitPerMinute: number): Promise<CreatedKey> {
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > NAME_MAX) {
      throw argument(`a key's name must be 1 to ${NAME_MAX} characters; got "${name}"`);
    }
    if (!Number.isInteger(rateLimitPerMinute) || rateLimitPerMinute < 1) {
      throw argument(
        `the rate limit must be a positive whole number per minute; got ${rateLimitPerMinute}`,
      );
    }
    const { id, secret } = generateKey();
    const nowMs = this.now();
    await this.repo.create({
      id,
      name: trimmed,
      secretHash: hashSecret(secret),
      rateLimitPerMinute,
      nowMs,
    });
    this.log.info({ keyId: id, name: trimmed, rateLimitPerMinute }, 'api key created');
    return {
      id,
      name: trimmed,
      rateLimitPerMinute,
      createdMs: nowMs,
      revokedMs: null,
      lastUsedMs: null,
      secret,
    };
  }

  /** The key a secret belongs to when it is valid and not revoked; undefined otherwise. */
  async verifyKey(secret: string): Promise<ApiKeyInfo | undefined> {
    const result = await this.check(secret);
    return result.ok ? result.key : undefined;
  }

  /** Verifies a secret and takes one request from its key's rate limit. */
  async authorize(secret: string): Promise<Authorization> {
    const checked = await this.check(secret);
    if (!checked.ok) return checked;
    const take = await this.repo.takeToken(checked.key.id, this.now());
    if (take.allowed) return { ok: true, key: checked.key, remaining: take.remaining };
    // Revoked between the check and the take.
    if (take.retryAfterMs === Number.POSITIVE_INFINITY) return { ok: false, reason: 'revoked' };
    return { ok: false, reason: 'rate_limited', retryAfterMs: take.retryAfterMs };
  }

  /** Adds what a finished request consumed (tokens in and out, images) to its key's usage. */
  recordUsage(keyId: string, delta: UsageDelta): Promise<void> {
    return this.repo.addUsage(keyId, delta, this.now());
  }

  async listKeys(): Promise<ApiKeyListing[]> {
    const records = await this.repo.list();
    const listings: ApiKeyListing[] = [];
    for (const record of records) {
      listings.push({ ...info(record), usage: await this.repo.usage(record.id) });
    }
    return listings;
  }

  /** Revokes a key: its secret is refused from then on. Throws when there is no such key. */
  async revokeKey(id: string): Promise<ApiKeyInfo> {
    const revoked = await this.repo.revoke(id, this.now());
    const record = await this.repo.get(id);
    if (!record) {
      throw new ValidatorError(
        ValidatorErrorCode.ApiKeyNotFound,
        `there is no API key with id ${id}`,
      );
    }
    if (revoked) this.log.info({ keyId: id }, 'api key revoked');
    return info(record);
  }

  private async check(
    secret: string,
  ): Promise<{ ok: true; key: ApiKeyInfo } | { ok: false; reason: 'invalid' | 'revoked' }> {
    const id = keyIdOf(secret);
    const record = id === undefined ? undefined : await this.repo.get(id);
    const matches = secretMatches(secret, record?.secretHash ?? UNUSED_HASH);
    if (!record || !matches) return { ok: false, reason: 'invalid' };
    if (record.revokedMs !== null) return { ok: false, reason: 'revoked' };
    return { ok: true, key: info(record) };
  }
}
