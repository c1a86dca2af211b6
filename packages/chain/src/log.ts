import { type Logger, silentLogger } from '@subnet/kit';

/**
 * A child logger for one module of this package, of the caller's logger. Without one the package
 * logs nothing: it never builds a logger of its own, nor reads a level from the environment (the
 * CLI and the daemons build theirs with the kit's `createLogger` and pass it down).
 */
export function moduleLogger(module: string, parent?: Logger): Logger {
  return (parent ?? silentLogger()).child({ module });
}

export type { Logger };
