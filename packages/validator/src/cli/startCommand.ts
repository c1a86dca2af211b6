/**
 * `pnpm validator start`: the command and its flags. What it runs (runStart.ts, with the daemon
 * and its libraries) is loaded only when it runs, so that help and usage mistakes answer at once.
 */
import type { CommandSpec } from '@subnet/kit';
import { DAEMON_FLAGS } from './flags';

export const startCommand: CommandSpec = {
  name: 'start',
  summary: 'run the validator daemon',
  description:
    'Loads the hotkey, connects to the chain, checks the registration, opens the database (creating the --data-dir folder when missing), loads the check models of checking.models, then runs the metagraph loop, the work loop and the organic API until SIGINT or SIGTERM. Every flag can also be set by its SUBNET_VALIDATOR_* variable (--api.port: SUBNET_VALIDATOR_API__PORT, --data-dir: SUBNET_VALIDATOR_DATA_DIR) or in the --config file; flags win over variables, variables over the file. Run `pnpm validator doctor` with the same flags first.',
  options: DAEMON_FLAGS,
  examples: [
    'pnpm validator start --netuid 1 --subtensor.network finney --wallet.name validator --config validator.yaml',
  ],
  run: async (ctx) => (await import('./runStart')).runStart(ctx),
};
