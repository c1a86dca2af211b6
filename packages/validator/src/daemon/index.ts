export { type ConfiguredWork, openConfiguredWork } from './configuredWork';
export {
  type MetagraphSync,
  type MetagraphSyncOptions,
  startMetagraphSync,
  syncSnapshot,
} from './metagraphSync';
export {
  type RunningContext,
  type RunningValidator,
  type Service,
  type StartValidatorDeps,
  startValidator,
} from './startValidator';
export { LAST_PERIOD_KEY, ValidatorDaemon, type ValidatorDaemonOptions } from './validatorDaemon';
export type { PeriodContext, PeriodScores, WorkLoop } from './workLoop';
