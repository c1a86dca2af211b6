/** `pnpm validator keys create`: a key of the organic API; its secret is printed once. */
import { type CommandSpec, stringOption, UsageError } from '@subnet/kit';
import { KEYS_FLAGS } from '../flags';
import type { KeysDeps } from './keysStorage';
import { useApiKeys } from './useApiKeys';

export function keysCreateCommand(deps: KeysDeps = {}): CommandSpec {
  return {
    name: 'keys create',
    summary: 'create an API key for the organic API; prints its secret once',
    description:
      'Only the hash of the secret is stored: copy the secret when it is printed. The key goes into the daemon database (--data-dir or --database-url, as start is given them); with the embedded database, stop the daemon first.',
    options: {
      name: { type: 'string', value: 'NAME', description: 'who the key is for (required)' },
      'rate-limit': {
        type: 'string',
        value: 'N',
        description: 'requests per minute the key may make',
        default: '60',
      },
      ...KEYS_FLAGS,
    },
    examples: ['pnpm validator keys create --name my-app --rate-limit 120'],
    async run({ values, io, invocation }) {
      const name = stringOption(values, 'name');
      if (name === undefined) {
        throw new UsageError(
          '--name is required (who the key is for)',
          `e.g. ${invocation} --name my-app`,
        );
      }
      const rate = stringOption(values, 'rate-limit') ?? '60';
      if (!/^[1-9]\d{0,6}$/.test(rate)) {
        throw new UsageError(
          `--rate-limit must be a whole number of requests per minute (got "${rate}")`,
          'e.g. --rate-limit 120',
        );
      }
      const key = await useApiKeys(values, io, deps, (keys) => keys.createKey(name, Number(rate)));
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
    },
  };
}
