import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ValidatorError, ValidatorErrorCode } from '../errors';
import { openStorage, type Storage } from '../storage/openStorage';
import { engineHarness, STORAGE_ENGINES } from '../storage/testing/engines';
import { ApiKeys } from './apiKeyService';
import { hashSecret } from './keySecret';

/** A clock the test moves by hand. */
function manualClock(start: number) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

describe.each(STORAGE_ENGINES)('API keys on %s', (engine) => {
  const harness = engineHarness(engine);
  let storage: Storage;
  beforeAll(async () => {
    storage = await openStorage(await harness.freshConfig());
  });
  afterAll(async () => {
    await storage?.close();
    await harness.close();
  });

  it('creates a key whose secret is returned once and stored only as its hash', async () => {
    const keys = new ApiKeys(storage.apiKeys, { now: () => T0 });
    const created = await keys.createKey('  acme  ', 5);
    expect(created).toMatchObject({
      name: 'acme',
      rateLimitPerMinute: 5,
      createdMs: T0,
      revokedMs: null,
    });
    expect(created.secret.startsWith(`sn_${created.id}_`)).toBe(true);
    const stored = await storage.apiKeys.get(created.id);
    expect(stored?.secretHash).toBe(hashSecret(created.secret));
    // Only the hash: no stored value contains the secret's random part.
    const secretPart = created.secret.slice(`sn_${created.id}_`.length);
    expect(JSON.stringify(stored)).not.toContain(secretPart);
    expect(await keys.verifyKey(created.secret)).toMatchObject({ id: created.id, name: 'acme' });
  });

  it('refuses wrong, malformed and unknown secrets', async () => {
    const keys = new ApiKeys(storage.apiKeys, { now: () => T0 });
    const { id, secret } = await keys.createKey('wrong', 5);
    const flipped = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    expect(await keys.authorize(flipped)).toEqual({ ok: false, reason: 'invalid' });
    expect(await keys.authorize('sn_nope')).toEqual({ ok: false, reason: 'invalid' });
    const unknown = `sn_ffffffffffff_${secret.slice(-43)}`;
    expect(await keys.authorize(unknown)).toEqual({ ok: false, reason: 'invalid' });
    expect(await keys.verifyKey(flipped)).toBeUndefined();
    // Refused secrets took nothing from the key's bucket or usage.
    expect(await storage.apiKeys.usage(id)).toEqual({
      requests: 0,
      refused: 0,
      inputTokens: 0,
      outputTokens: 0,
      images: 0,
    });
  });

  it('admits n requests a minute, refuses the (n+1)th, and refills at n per minute', async () => {
    const clock = manualClock(T0);
    const keys = new ApiKeys(storage.apiKeys, { now: clock.now });
    const { id, secret } = await keys.createKey('limited', 3);
    const remaining: number[] = [];
    for (let i = 0; i < 3; i++) {
      const a = await keys.authorize(secret);
      expect(a.ok).toBe(true);
      if (a.ok) remaining.push(a.remaining);
    }
    expect(remaining).toEqual([2, 1, 0]);
    // One token comes back every 20 s; none has yet.
    expect(await keys.authorize(secret)).toEqual({
      ok: false,
      reason: 'rate_limited',
      retryAfterMs: 20_000,
    });
    clock.advance(15_000);
    expect(await keys.authorize(secret)).toEqual({
      ok: false,
      reason: 'rate_limited',
      retryAfterMs: 5_000,
    });
    clock.advance(5_000);
    expect((await keys.authorize(secret)).ok).toBe(true);
    expect((await keys.authorize(secret)).ok).toBe(false);
    // A long pause refills to the limit, not beyond.
    clock.advance(10 * 60_000);
    const burst = [];
    for (let i = 0; i < 4; i++) burst.push((await keys.authorize(secret)).ok);
    expect(burst).toEqual([true, true, true, false]);
    expect(await storage.apiKeys.usage(id)).toMatchObject({ requests: 7, refused: 4 });
    // Raising the limit refills at the new rate: 1 minute at 6/minute gives 6 tokens.
    expect(await storage.apiKeys.setRateLimit(id, 6, clock.now())).toBe(true);
    clock.advance(60_000);
    const raised = [];
    for (let i = 0; i < 7; i++) raised.push((await keys.authorize(secret)).ok);
    expect(raised).toEqual([true, true, true, true, true, true, false]);
  });

  it('refuses a revoked key, and revoking an unknown id is an error', async () => {
    const keys = new ApiKeys(storage.apiKeys, { now: () => T0 + 1 });
    const { id, secret } = await keys.createKey('to revoke', 100);
    expect((await keys.authorize(secret)).ok).toBe(true);
    const revoked = await keys.revokeKey(id);
    expect(revoked.revokedMs).toBe(T0 + 1);
    expect(await keys.authorize(secret)).toEqual({ ok: false, reason: 'revoked' });
    expect(await keys.verifyKey(secret)).toBeUndefined();
    expect(await storage.apiKeys.takeToken(id, T0 + 2)).toEqual({
      allowed: false,
      retryAfterMs: Number.POSITIVE_INFINITY,
    });
    // Revoking twice keeps the first time.
    expect((await keys.revokeKey(id)).revokedMs).toBe(T0 + 1);
    const error = await keys.revokeKey('000000000000').catch((e: unknown) => e);
    expect((error as ValidatorError).code).toBe(ValidatorErrorCode.ApiKeyNotFound);
  });

  it('accounts usage per key and UTC day, and lists keys with their totals', async () => {
    const clock = manualClock(Date.UTC(2026, 1, 1, 23, 59, 0));
    const keys = new ApiKeys(storage.apiKeys, { now: clock.now });
    const { id, secret } = await keys.createKey('usage', 10);
    await keys.authorize(secret);
    await keys.recordUsage(id, { inputTokens: 12, outputTokens: 30 });
    clock.advance(2 * 60_000); // the next UTC day
    await keys.authorize(secret);
    await keys.recordUsage(id, { images: 2 });
    expect(await storage.apiKeys.usage(id)).toEqual({
      requests: 2,
      refused: 0,
      inputTokens: 12,
      outputTokens: 30,
      images: 2,
    });
    const secondDay = Date.UTC(2026, 1, 2);
    expect(await storage.apiKeys.usage(id, { fromMs: secondDay })).toEqual({
      requests: 1,
      refused: 0,
      inputTokens: 0,
      outputTokens: 0,
      images: 2,
    });
    const listed = (await keys.listKeys()).find((k) => k.id === id);
    expect(listed).toEqual({
      id,
      name: 'usage',
      rateLimitPerMinute: 10,
      createdMs: Date.UTC(2026, 1, 1, 23, 59, 0),
      revokedMs: null,
      lastUsedMs: Date.UTC(2026, 1, 2, 0, 1, 0),
      usage: { requests: 2, refused: 0, inputTokens: 12, outputTokens: 30, images: 2 },
    });
    const error = await keys.createKey('bad', 0).catch((e: unknown) => e);
    expect((error as ValidatorError).code).toBe(ValidatorErrorCode.ApiKeyInvalidArgument);
  });
});
