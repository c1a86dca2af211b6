/** `pnpm chain`: operator helpers over the same code the miner and validator use. */
import type { ProgramSpec } from '@subnet/kit';
import {
  type ChainCommandSettings,
  metagraphCommandSpec,
  registerCommandSpec,
  weightsPolicyCommandSpec,
} from './chainCommands.js';
import { walletCreate, walletList } from './walletCommands.js';

/** The program; `connectTimeoutMs` (default 10 s) is how long a command waits for the chain. */
export function chainProgram(settings: Partial<ChainCommandSettings> = {}): ProgramSpec {
  const s: ChainCommandSettings = { connectTimeoutMs: settings.connectTimeoutMs ?? 10_000 };
  return {
    name: 'pnpm chain',
    summary:
      'Wallets, registration, the metagraph and the weights policy of a subnet, over the same code the miner and the validator use.',
    commands: [
      walletCreate,
      walletList,
      registerCommandSpec(s),
      metagraphCommandSpec(s),
      weightsPolicyCommandSpec(s),
    ],
    footer:
      'A password is never taken on the command line: put it in an environment variable and name that variable with --password-env. Environment: BT_WALLET_PATH (the wallets folder when --wallet.path is not given), BT_SUBTENSOR_CHAIN_ENDPOINT (the endpoint of --subtensor.network local). A local chain: `pnpm devnet`.',
  };
}
