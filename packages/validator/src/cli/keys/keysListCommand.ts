/** `pnpm validator keys list`: every key with its usage (never a secret). */
import { type CommandSpec, JSON_FLAG } from '@subnet/kit';
import type { ApiKeyListing } from '../../apiKeys/apiKeyService';
import { KEYS_FLAGS } from '../flags';
import type { KeysDeps } from './keysStorage';
import { useApiKeys } from './useApiKeys';

export function iso(ms: number | null): string {
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

export function keysListCommand(deps: KeysDeps = {}): CommandSpec {
  return {
    name: 'keys list',
    summary: 'list the API keys with their usage',
    options: { ...JSON_FLAG, ...KEYS_FLAGS },
    examples: ['pnpm validator keys list --json'],
    async run({ values, io }) {
      const listed = await useApiKeys(values, io, deps, (keys) => keys.listKeys());
      io.out(values.json === true ? JSON.stringify(listed, null, 2) : table(listed));
      return 0;
    },
  };
}
