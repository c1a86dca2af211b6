/**
 * API key secrets: `sn_<id>_<secret>`, where `id` (12 hex characters) is public and names the key
 * in listings and logs, and the rest is 32 random bytes (base64url). Only the SHA-256 of the whole
 * secret is stored.
 *
 * Why SHA-256 and not scrypt/argon2: those slow hashes protect low-entropy human passwords from
 * guessing after a database leak. A 256-bit random secret cannot be guessed from its hash at any
 * speed, so a slow hash would buy nothing and cost tens of milliseconds of CPU on every API
 * request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const KEY_PREFIX = 'sn_';
const ID_BYTES = 6;
const SECRET_BYTES = 32;
const SECRET_PATTERN = /^sn_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedKey {
  readonly id: string;
  readonly secret: string;
}

export function generateKey(): GeneratedKey {
  const id = randomBytes(ID_BYTES).toString('hex');
  const secret = `${KEY_PREFIX}${id}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
  return { id, secret };
}

/** The key id a secret names, or undefined when it is not shaped like one of our secrets. */
export function keyIdOf(secret: string): string | undefined {
  return SECRET_PATTERN.exec(secret)?.[1];
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares a secret with a stored hash in time that does not depend on where they differ. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const actual = Buffer.from(hashSecret(secret), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  if (expected.length !== actual.length) return false;
  return timingSafeEqual(actual, expected);
}
