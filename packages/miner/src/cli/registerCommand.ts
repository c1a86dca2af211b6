/** `pnpm miner register`: burn-register the hotkey on the subnet, after showing the cost. */
import { loadColdkey } from '@subnet/chain';
import {
  type CommandSpec,
  commandLogger,
  PASSWORD_ENV_FLAG,
  passwordFromEnv,
  raoToTao,
} from '@subnet/kit';
import { walletError } from '../daemon/operatorErrors';
import { MinerError, MinerErrorCode } from '../errors';
import { confirm } from './ask';
import { connectChain, loadMinerHotkey } from './chainSession';
import { COMMON_FLAGS, minerSettings } from './minerFlags';

export const registerCommand: CommandSpec = {
  name: 'register',
  summary: 'burn-register the hotkey on the subnet (shows the cost and asks first)',
  description:
    "Pays the subnet's burn from the wallet's coldkey. Without a terminal to ask on, it registers only with --yes. A hotkey that is already registered is left as it is.",
  options: {
    ...COMMON_FLAGS,
    yes: { type: 'boolean', description: 'do not ask before spending the burn' },
    ...PASSWORD_ENV_FLAG,
  },
  examples: ['pnpm miner register --netuid 1 --subtensor.network finney --wallet.name miner'],
  async run(ctx) {
    const { io } = ctx;
    const config = minerSettings(ctx);
    const password = passwordFromEnv(ctx.values, io.env);
    const log = commandLogger(ctx.values, 'miner');
    const hotkey = await loadMinerHotkey(config);
    const chain = await connectChain(config, log);
    try {
      const existing = await chain.uidForHotkey(config.netuid, hotkey.address);
      if (existing !== undefined) {
        io.out(
          `hotkey ${hotkey.address} is already registered on subnet ${config.netuid} as uid ${existing}`,
        );
        return 0;
      }
      const { burn } = await chain.hyperparameters(config.netuid);
      io.out(
        `Registering hotkey ${hotkey.address} on subnet ${config.netuid} burns ${raoToTao(burn, 4)} TAO from wallet '${config.wallet.name}'.`,
      );
      if (ctx.values.yes !== true) {
        if (!io.interactive) {
          throw new MinerError(
            MinerErrorCode.NotConfirmed,
            'not a terminal: confirm with --yes to spend the burn',
            { fix: 'add --yes to the command to spend the burn without being asked' },
          );
        }
        if (!(await confirm('Register?'))) {
          io.out('not registered');
          return 1;
        }
      }
      const coldkey = await loadColdkey(
        config.wallet,
        password === undefined ? {} : { password },
      ).catch((cause: unknown) => {
        throw walletError(cause, config.wallet, 'coldkey');
      });
      const uid = await chain.burnedRegister({
        netuid: config.netuid,
        coldkey,
        hotkey: hotkey.address,
      });
      io.out(`registered as uid ${uid}`);
      return 0;
    } finally {
      await chain.close();
    }
  },
};
