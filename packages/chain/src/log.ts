import { type Logger, pino } from 'pino';

/** Paths that never reach a log line, whatever a caller passes in. */
const REDACT = [
  'password',
  'secret',
  'seed',
  'mnemonic',
  'privateKey',
  'secretKey',
  'secretPhrase',
  'secretSeed',
  '*.password',
  '*.secret',
  '*.seed',
  '*.mnemonic',
  '*.privateKey',
  '*.secretKey',
  '*.secretPhrase',
  '*.secretSeed',
];

let root: Logger | undefined;

/** The package's root logger (pino). Level from `LOG_LEVEL`, default `info`. */
export function rootLogger(): Logger {
  root ??= pino({
    name: 'chain',
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
  });
  return root;
}

/** A child logger for one module of this package, or of the caller's logger when given. */
export function moduleLogger(module: string, parent?: Logger): Logger {
  return (parent ?? rootLogger()).child({ module });
}

export type { Logger };
