/** `pnpm miner doctor`: a line per check, exit 1 when anything blocks the miner from starting. */
import { assertNoBlockers, type CommandSpec, commandLogger, runChecklist } from '@subnet/kit';
import { catalogEnv } from '../config/resolveSettings';
import { minerChecks } from '../doctor/minerChecks';
import { AXON_LISTEN_FLAGS, COMMON_FLAGS, minerSettings } from './minerFlags';

export const doctorCommand: CommandSpec = {
  name: 'doctor',
  summary: 'check this machine, the wallet, the chain and the models before starting',
  description:
    'One line per check: ok, WARN (works, but look at it), FAIL (a blocker: start would stop or the miner would not earn) or skip (an earlier blocker stands in the way), with the fix under each line that is not ok. Takes the same settings as start. Exit 1 when there is a blocker, else 0.',
  options: { ...COMMON_FLAGS, ...AXON_LISTEN_FLAGS },
  examples: [
    'pnpm miner doctor --netuid 1 --subtensor.network finney --wallet.name miner --config miner.yaml',
  ],
  async run(ctx) {
    const config = minerSettings(ctx);
    const logger = commandLogger(ctx.values, 'miner');
    const checks = minerChecks(config, { logger, env: catalogEnv(ctx.io.env) });
    const report = await runChecklist(checks, ctx.io.out);
    assertNoBlockers(report, 'pnpm miner');
    return 0;
  },
};
