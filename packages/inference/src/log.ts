import { type Logger, pino } from 'pino';

/**
 * The package's root logger. Callers that own a logger (the miner, the validator) pass theirs
 * to the functions that take `logger`; this one is the default, quiet under tests.
 */
export const rootLogger: Logger = pino({
  name: 'inference',
  level: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
});

export function moduleLogger(module: string, parent: Logger = rootLogger): Logger {
  return parent.child({ module });
}

export type { Logger };
