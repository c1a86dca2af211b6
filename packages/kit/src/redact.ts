/**
 * The one redaction list of the node. Whatever a caller hands a logger (an object, an error, a
 * message), these never reach a log line:
 * - values under a key that names a secret, at any depth: passwords, mnemonics, seeds, private
 *   and secret keys, API keys and tokens, authorization headers, cookies (numbers and booleans
 *   are kept: a task's `seed: 42` is no secret);
 * - inside any string: the password of a URL (`postgres://user:pw@host`), a bearer token, an
 *   organic API key secret (`sn_<id>_<secret>`: the public id is kept), a 12-24 word phrase and
 *   a `0x` hex string of exactly 32 or 64 bytes next to the word mnemonic/seed/secret/private.
 * Objects are walked to a bounded depth and width; what lies beyond is replaced, not printed.
 */

export const CENSOR = '[redacted]';

/** Keys whose values are secrets, compared without case, `_` or `-`. */
export const SECRET_KEYS: readonly string[] = [
  'password',
  'passphrase',
  'passwd',
  'pw',
  'secret',
  'secretkey',
  'secretphrase',
  'secretseed',
  'seed',
  'seedhex',
  'mnemonic',
  'privatekey',
  'apikey',
  'token',
  'accesstoken',
  'refreshtoken',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'xapikey',
];

const SECRET_KEY_SET = new Set(SECRET_KEYS);
/** Key suffixes that make any key a secret (`hotkeyPassword`, `coldkey_mnemonic`). */
const SECRET_SUFFIXES = ['password', 'mnemonic', 'secret', 'privatekey', 'secretkey', 'apikey'];

function normalKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

/** Whether a value under this key is a secret. */
export function isSecretKey(key: string): boolean {
  const k = normalKey(key);
  return SECRET_KEY_SET.has(k) || SECRET_SUFFIXES.some((s) => k.endsWith(s));
}

const STRING_PATTERNS: readonly [RegExp, string][] = [
  // scheme://user:password@host
  [/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, `$1${CENSOR}@`],
  // Authorization: Bearer <token>
  [/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, `$1${CENSOR}`],
  // the organic API's key secrets: keep the public id
  [/\b(sn_[0-9a-f]{12}_)[A-Za-z0-9_-]{20,}/g, `$1${CENSOR}`],
  // a BIP-39 phrase (12 to 24 lowercase words) named as a mnemonic or seed phrase
  [
    /\b((?:mnemonic|seed phrase|secret phrase)[^\n]{0,20}?)(?:[a-z]{3,8} ){11,23}[a-z]{3,8}\b/gi,
    `$1${CENSOR}`,
  ],
  // a 32/64-byte hex value named as a seed, secret, private key or mnemonic
  [
    /\b((?:seed|secret|private[ _-]?key|mnemonic)[^\n]{0,24}?)0x(?:[0-9a-f]{128}|[0-9a-f]{64})\b/gi,
    `$1${CENSOR}`,
  ],
];

/** A string with the secrets it carries replaced. */
export function redactString(text: string): string {
  let out = text;
  for (const [pattern, replacement] of STRING_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

const MAX_DEPTH = 8;
const MAX_KEYS = 256;

/**
 * A copy of `value` with every secret replaced. Plain objects, arrays and errors are walked;
 * other objects (Buffers, Dates, Maps) are kept as they are. Cycles and values past the depth
 * limit become `[depth]`; objects with more than 256 keys keep their first 256.
 */
export function redactValue(
  value: unknown,
  depth = 0,
  seen: WeakSet<object> = new WeakSet(),
): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[cycle]';
  if (depth >= MAX_DEPTH) return '[depth]';
  if (Array.isArray(value)) {
    seen.add(value);
    const out = value.slice(0, MAX_KEYS).map((v) => redactValue(v, depth + 1, seen));
    seen.delete(value);
    return out;
  }
  const isError = value instanceof Error;
  const proto = Object.getPrototypeOf(value);
  if (!isError && proto !== Object.prototype && proto !== null) return value;
  seen.add(value);
  const out: Record<string, unknown> = {};
  if (isError) {
    out.type = value.constructor?.name ?? 'Error';
    out.message = redactString(value.message);
    if (value.stack !== undefined) out.stack = redactString(value.stack);
    if (value.cause !== undefined) out.cause = redactValue(value.cause, depth + 1, seen);
  }
  let n = 0;
  for (const key of Object.keys(value)) {
    if (n++ >= MAX_KEYS) break;
    const v = (value as Record<string, unknown>)[key];
    // Numbers and booleans under a secret's name are not secrets (a task's `seed: 42`).
    const secret =
      isSecretKey(key) && (typeof v === 'string' || (typeof v === 'object' && v !== null));
    out[key] = secret ? CENSOR : redactValue(v, depth + 1, seen);
  }
  seen.delete(value);
  return out;
}
