export {
  nestFlags,
  type OptionSpec,
  type OptionTable,
  type OptionValue,
  type OptionValues,
  stringOption,
} from './cli/options.js';
export { processIo, runMain } from './cli/processIo.js';
export {
  type CliIo,
  type CommandContext,
  type CommandSpec,
  closest,
  commandHelp,
  mountCommands,
  type ProgramSpec,
  programHelp,
  runProgram,
} from './cli/program.js';
export {
  CONFIG_FLAG,
  commandLogger,
  JSON_FLAG,
  LOGGING_FLAGS,
  loggingFlags,
  logLevelFlag,
  NETUID_FLAG,
  PASSWORD_ENV_FLAG,
  passwordFromEnv,
  SUBTENSOR_FLAGS,
  WALLET_FLAGS,
} from './cli/sharedFlags.js';
export { twoColumns, wrapText } from './cli/wrap.js';
export {
  assertNoBlockers,
  type Check,
  type ChecklistReport,
  type CheckResult,
  type CheckStatus,
  nodeVersionCheck,
  portFreeCheck,
  runChecklist,
} from './doctor.js';
export {
  CliError,
  type CliErrorOptions,
  EXIT,
  type ReportedError,
  reportError,
  UsageError,
} from './errors.js';
export {
  createLogger,
  isLogLevel,
  LOG_LEVELS,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  silentLogger,
} from './logger.js';
export {
  expandHome,
  invocationDir,
  type PathContext,
  processPathContext,
  resolvePath,
} from './paths.js';
export { CENSOR, isSecretKey, redactString, redactValue, SECRET_KEYS } from './redact.js';
export { onStopSignals, type SignalSource, type StopSignalOptions } from './signals.js';
export { RAO_PER_TAO, raoToTao, raoToTaoNumber, taoToRao } from './units.js';
export { formatZodIssues, type SettingNames, settingPath } from './zodIssues.js';
