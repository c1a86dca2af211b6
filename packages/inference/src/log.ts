import { type Logger, silentLogger } from '@subnet/kit';

/**
 * The package writes its logs through the logger its caller passes (`logger` options): the miner,
 * the validator and the `models` command build theirs with the kit's `createLogger` from their own
 * settings. Without one, nothing is logged; this package never builds a logger from the
 * environment.
 */
const silent: Logger = silentLogger();

export function moduleLogger(module: string, parent: Logger = silent): Logger {
  return parent.child({ module });
}

export type { Logger };
