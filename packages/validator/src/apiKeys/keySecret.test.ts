import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateKey, hashSecret, keyIdOf, secretMatches } from './keySecret';

describe('key secrets', () => {
  it('are sn_<12 hex id>_<43 base64url chars> and name their id', () => {
    const { id, secret } = generateKey();
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(secret).toMatch(new RegExp(`^sn_${id}_[A-Za-z0-9_-]{43}$`));
    expect(keyIdOf(secret)).toBe(id);
    expect(generateKey().secret).not.toBe(secret);
  });

  it('hash to the hex SHA-256 of the secret and match only it', () => {
    const { secret } = generateKey();
    const hash = hashSecret(secret);
    expect(hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(secretMatches(secret, hash)).toBe(true);
    expect(secretMatches(`${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`, hash)).toBe(
      false,
    );
    expect(secretMatches(secret, 'abcd')).toBe(false);
  });

  it('reject strings that are not shaped like a secret', () => {
    expect(keyIdOf('sk-123')).toBeUndefined();
    expect(keyIdOf('sn_0123456789ab_short')).toBeUndefined();
    expect(keyIdOf(`sn_0123456789AB_${'a'.repeat(43)}`)).toBeUndefined();
    expect(keyIdOf(`sn_0123456789ab_${'a'.repeat(43)}`)).toBe('0123456789ab');
  });
});
