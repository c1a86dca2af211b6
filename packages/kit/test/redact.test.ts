import { describe, expect, it } from 'vitest';
import { CENSOR, redactString, redactValue } from '../src/index.js';
import { captureLogger } from '../src/testing/index.js';

const MNEMONIC =
  'bottom drive obey lake curtain smoke basket hold race lonely fit walk sunset mandate';
const SEED_HEX = `0x${'ab'.repeat(32)}`;
const SECRET_KEY_HEX = `0x${'cd'.repeat(64)}`;
const API_KEY = `sn_0123456789ab_${'Zx9'.repeat(14)}A`;
const PG_PASSWORD = 'hunter2-pg';
const BEARER = 'tok_ABCdef123456';
const PASSWORD = 'correct horse battery staple';

/** Every secret above, as it must never appear in a log line. */
const SECRETS = [
  MNEMONIC,
  SEED_HEX,
  SECRET_KEY_HEX.slice(2),
  API_KEY,
  PG_PASSWORD,
  BEARER,
  PASSWORD,
  'ab'.repeat(32),
];

describe('the one redaction list', () => {
  it('never writes a secret, whatever shape it is handed in', () => {
    const { logger, text, lines } = captureLogger('trace', 'redact-test');
    const child = logger.child({ wallet: { name: 'alice', password: PASSWORD } });
    child.info({ password: PASSWORD, hotkeyPassword: PASSWORD }, 'unlocking');
    logger.info(
      { config: { wallet: { mnemonic: MNEMONIC, coldkey: { secretKey: SECRET_KEY_HEX } } } },
      'config',
    );
    logger.warn(
      { req: { headers: { authorization: `Bearer ${BEARER}`, 'x-api-key': API_KEY } } },
      'request',
    );
    logger.info(
      { databaseUrl: `postgres://validator:${PG_PASSWORD}@db.internal:5432/subnet` },
      'db',
    );
    logger.info(`client used key ${API_KEY} with seed ${SEED_HEX}`);
    logger.info({ deep: { a: { b: { c: { d: { seed_hex: SEED_HEX } } } } } }, 'deep');
    logger.info({ list: [{ privateKey: SECRET_KEY_HEX }, `Bearer ${BEARER}`] }, 'list');
    const err = new Error(`could not connect to postgres://v:${PG_PASSWORD}@h/db`, {
      cause: new Error(`bad mnemonic ${MNEMONIC}`),
    });
    Object.assign(err, { password: PASSWORD });
    logger.error({ err }, 'failed');
    logger.error(err);
    const all = text();
    for (const secret of SECRETS)
      expect({ secret, found: all.includes(secret) }).toEqual({ secret, found: false });
    const parsed = lines();
    expect(parsed).toHaveLength(9);
    // What is not secret survives, so the lines still help.
    expect(parsed[0]).toMatchObject({
      msg: 'unlocking',
      password: CENSOR,
      hotkeyPassword: CENSOR,
      wallet: { name: 'alice', password: CENSOR },
    });
    expect(parsed[3]).toMatchObject({
      databaseUrl: `postgres://validator:${CENSOR}@db.internal:5432/subnet`,
    });
    expect(parsed[4]?.msg).toBe(`client used key sn_0123456789ab_${CENSOR} with seed ${CENSOR}`);
    expect(parsed[7]).toMatchObject({
      err: { message: `could not connect to postgres://v:${CENSOR}@h/db`, password: CENSOR },
    });
  });

  it('keeps numbers under secret names and walks no further than its bounds', () => {
    expect(redactValue({ seed: 42, token: 7, tokens: 'abc', secret: true })).toEqual({
      seed: 42,
      token: 7,
      tokens: 'abc',
      secret: true,
    });
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    expect(redactValue(cyclic)).toEqual({ name: 'x', self: '[cycle]' });
    let deep: Record<string, unknown> = { password: 'p' };
    for (let i = 0; i < 10; i++) deep = { next: deep };
    expect(JSON.stringify(redactValue(deep))).toContain('[depth]');
    expect(redactString('no secrets here: block 0x1234, hash 0xdeadbeef')).toBe(
      'no secrets here: block 0x1234, hash 0xdeadbeef',
    );
  });
});
