/** `pnpm validator keys revoke <id>`: the key's secret is refused from then on. */
import type { CommandSpec } from '@subnet/kit';
import { ValidatorError, ValidatorErrorCode } from '../../errors';
import { KEYS_FLAGS } from '../flags';
import { iso } from './keysListCommand';
import type { KeysDeps } from './keysStorage';
import { useApiKeys } from './useApiKeys';

export function keysRevokeCommand(deps: KeysDeps = {}): CommandSpec {
  return {
    name: 'keys revoke',
    summary: 'revoke an API key; its secret is refused from then on',
    args: '<id>',
    positionals: { min: 1, max: 1 },
    options: KEYS_FLAGS,
    examples: ['pnpm validator keys revoke 3f9a1c0b7d2e'],
    async run({ values, positionals, io }) {
      const id = positionals[0] as string;
      const revoked = await useApiKeys(values, io, deps, (keys) => keys.revokeKey(id)).catch(
        (err: unknown) => {
          if (err instanceof ValidatorError && err.code === ValidatorErrorCode.ApiKeyNotFound) {
            throw new ValidatorError(err.code, err.message, {
              fix: '`pnpm validator keys list` shows the ids',
            });
          }
          throw err;
        },
      );
      io.out(`revoked ${revoked.id} (${revoked.name}) at ${iso(revoked.revokedMs)}`);
      return 0;
    },
  };
}
