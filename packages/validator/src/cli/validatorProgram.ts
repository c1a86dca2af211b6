/** `pnpm validator`: the daemon, its doctor and the organic API's keys, as one program. */
import type { ProgramSpec } from '@subnet/kit';
import { doctorCommand } from './doctorCommand';
import { keysCreateCommand } from './keys/keysCreateCommand';
import { keysListCommand } from './keys/keysListCommand';
import { keysRevokeCommand } from './keys/keysRevokeCommand';
import type { KeysDeps } from './keys/keysStorage';
import { startCommand } from './startCommand';

/** The program; `deps` give the keys commands their clock (tests). */
export function buildValidatorProgram(deps: KeysDeps = {}): ProgramSpec {
  return {
    name: 'pnpm validator',
    summary:
      'The subnet validator: sends miners work, checks it by reproduction, scores it, sets weights on chain and sells the miners work through its organic API.',
    commands: [
      startCommand,
      doctorCommand,
      keysCreateCommand(deps),
      keysListCommand(deps),
      keysRevokeCommand(deps),
    ],
    footer:
      'Exit codes: 0 done, 1 failed or refused, 2 bad usage or configuration. docs/validator.md describes the settings.',
  };
}

export const validatorProgram: ProgramSpec = buildValidatorProgram();
