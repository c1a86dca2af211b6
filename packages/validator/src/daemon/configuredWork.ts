/**
 * The work loop a validator's configuration describes: its check models (`checking.models`,
 * loaded once, held for the life of the process), its shares, block time and synthetic profile.
 * `validator start` and the local network both make theirs here.
 */
import type { KeyringPair } from '@subnet/chain';
import type { Logger } from 'pino';
import type { ValidatorConfig } from '../config/validatorConfig';
import { openCheckModels, profileOf } from '../work/openCheckModels';
import { createWorkLoop, type PeriodWorkLoop } from '../work/periodWorkLoop';
import type { WorkMetrics } from '../work/workMetrics';
import { workSettingsFromConfig } from '../work/workSettings';

export interface ConfiguredWork {
  loop: PeriodWorkLoop;
  /** Closes the loop's connections, then unloads the check models. */
  close(): Promise<void>;
}

export async function openConfiguredWork(
  config: Readonly<ValidatorConfig>,
  hotkey: KeyringPair,
  options: { log: Logger; env?: NodeJS.ProcessEnv; metrics?: WorkMetrics },
): Promise<ConfiguredWork> {
  const { checking } = config;
  const opened = await openCheckModels(checking, options);
  options.log.info({ models: opened.loaded }, 'check models loaded');
  const loop = createWorkLoop({
    hotkey,
    models: opened.models,
    blockMs: checking.block_ms,
    checkShare: checking.check_share,
    headToHeadShare: checking.head_to_head_share,
    profile: profileOf(checking.profile),
    settings: workSettingsFromConfig(config.work),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  return {
    loop,
    async close() {
      await loop.close();
      await opened.release();
    },
  };
}
