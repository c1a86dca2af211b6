/**
 * `pnpm validator doctor`: the command and its flags; the checks (runDoctor.ts) are loaded only
 * when it runs.
 */
import { type CommandSpec, loggingFlags } from '@subnet/kit';
import { DAEMON_FLAGS } from './flags';

export const doctorCommand: CommandSpec = {
  name: 'doctor',
  summary: 'check what start needs, with the same flags; changes nothing',
  description:
    'Checks Node.js, the API port, the wallet files and their permissions, the chain (reachable, runtime version, subnet, registration, validator permit), the check models of checking.models (files, hashes, execution providers) and the database. Each line says ok, WARN or FAIL with the fix; the exit code is 1 when anything fails.',
  // Its stdout is the checklist: the libraries log to stderr, warnings only unless asked.
  options: { ...DAEMON_FLAGS, ...loggingFlags('warn') },
  examples: ['pnpm validator doctor --netuid 1 --subtensor.network finney --config validator.yaml'],
  run: async (ctx) => (await import('./runDoctor')).runDoctor(ctx),
};
