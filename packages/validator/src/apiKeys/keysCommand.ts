/**
 * `validator keys create|list|revoke`: manage the organic API's keys in the validator's storage.
 * The storage is the daemon's: `--database-url` (or SUBNET_VALIDATOR_DATABASE_URL) for
 * PostgreSQL, else `--data-dir` (or SUBNET_VALIDATOR_DATA_DIR) for the embedded database.
 * Returns the exit code; writes its output through `out` and its errors through `err`.
 */
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { ValidatorError } from '../errors';
import { openStorage } from '../storage/openStorage';
import { resolveStorageConfig } from '../storage/storageConfig';
import { type ApiKeyListing, ApiKeys } from './apiKeyService';

export const KEYS_USAGE = `Usage: validator keys <command> [options]

Commands:
  create --name NAME [--rate-limit N]   create a key; prints its secret once (N requests/minute, default 60)
  list [--json]                         list keys with their usage
  revoke ID                             revoke a key; its secret is refused from then on

Storage (the daemon's):
  --database-url URL   PostgreSQL (env SUBNET_VALIDATOR_DATABASE_URL)
  --data-dir DIR       embedded database directory (env SUBNET_VALIDATOR_DATA_DIR)`;

export interface KeysCommandIo {
  out(text: string): void;
  err(text: string): void;
  env?: Readonly<Record<string, string | undefined>>;
  now?: () => number;
  logger?: Logger;
}

function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

function table(keys: readonly ApiKeyListing[]): string {
  const header = [
    'ID',
    'NAME',
    'RATE/MIN',
    'CREATED',
    'REVOKED',
    'REQUESTS',
    'REFUSED',
    'TOKENS IN',
    'TOKENS OUT',
    'IMAGES',
  ];
  const rows = keys.map((k) => [
    k.id,
    k.name,
    String(k.rateLimitPerMinute),
    iso(k.createdMs),
    iso(k.revokedMs),
    String(k.usage.requests),
    String(k.usage.refused),
    String(k.usage.inputTokens),
    String(k.usage.outputTokens),
    String(k.usage.images),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export async function runKeysCommand(argv: readonly string[], io: KeysCommandIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${KEYS_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    (values.help ? io.out : io.err)(KEYS_USAGE);
    return values.help ? 0 : 2;
  }
  if (!['create', 'list', 'revoke'].includes(command)) {
    io.err(`unknown command "${command}"\n\n${KEYS_USAGE}`);
    return 2;
  }
  const [id] = rest;
  const rateText = values['rate-limit'] ?? '60';
  if (command === 'create' && values.name === undefined) {
    io.err('keys create needs --name NAME');
    return 2;
  }
  if (command === 'create' && !/^[1-9]\d{0,6}$/.test(rateText)) {
    io.err(`--rate-limit must be a whole number of requests per minute; got "${rateText}"`);
    return 2;
  }
  if (command === 'revoke' && id === undefined) {
    io.err('keys revoke needs the key id (see keys list)');
    return 2;
  }
  const env = io.env ?? process.env;
  let storage: Awaited<ReturnType<typeof openStorage>> | undefined;
  try {
    const config = resolveStorageConfig({
      databaseUrl: values['database-url'] ?? env.SUBNET_VALIDATOR_DATABASE_URL,
      dataDir: values['data-dir'] ?? env.SUBNET_VALIDATOR_DATA_DIR,
    });
    storage = await openStorage(config, {
      ...(io.logger ? { logger: io.logger } : {}),
      ...(io.now ? { now: io.now } : {}),
    });
    const keys = new ApiKeys(storage.apiKeys, {
      ...(io.now ? { now: io.now } : {}),
      ...(io.logger ? { logger: io.logger } : {}),
    });
    if (command === 'create') {
      const key = await keys.createKey(values.name ?? '', Number(rateText));
      io.out(
        [
          `id:         ${key.id}`,
          `name:       ${key.name}`,
          `rate limit: ${key.rateLimitPerMinute} requests/minute`,
          `secret:     ${key.secret}`,
          'The secret is shown only now; only its hash is stored.',
        ].join('\n'),
      );
      return 0;
    }
    if (command === 'list') {
      const listed = await keys.listKeys();
      io.out(values.json ? JSON.stringify(listed, null, 2) : table(listed));
      return 0;
    }
    const revoked = await keys.revokeKey(id as string);
    io.out(`revoked ${revoked.id} (${revoked.name}) at ${iso(revoked.revokedMs)}`);
    return 0;
  } catch (error) {
    if (error instanceof ValidatorError) {
      io.err(`${error.code}: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await storage?.close();
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      'rate-limit': { type: 'string' },
      json: { type: 'boolean' },
      'database-url': { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
