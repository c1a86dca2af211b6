/**
 * The one logger factory of the node: pino, JSON lines, the redaction list of `redact.ts` applied
 * to every object, error, binding and message. Daemons and CLIs build their logger here from their
 * validated settings and hand it to the libraries; libraries never build one from the environment.
 */
import { type DestinationStream, type Level, type Logger, pino } from 'pino';
import { redactString, redactValue } from './redact.js';

export type { Logger };

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  /** The `name` field of every line (`miner`, `validator`, `chain`). */
  readonly name: string;
  readonly level: LogLevel;
  /**
   * Where lines go: a stream, or a file descriptor (1 stdout, the default for daemons; 2 stderr,
   * for commands whose stdout is their output).
   */
  readonly destination?: DestinationStream | 1 | 2;
}

function redactObject(obj: Record<string, unknown>): Record<string, unknown> {
  return redactValue(obj) as Record<string, unknown>;
}

/** A pino logger that redacts every secret it is handed. */
export function createLogger(options: LoggerOptions): Logger {
  const destination =
    typeof options.destination === 'number' || options.destination === undefined
      ? pino.destination({ fd: options.destination ?? 1, sync: true })
      : options.destination;
  const logger = pino(
    {
      name: options.name,
      level: options.level,
      formatters: { log: redactObject, bindings: redactObject },
      serializers: {
        msg: (m: unknown) => (typeof m === 'string' ? redactString(m) : redactValue(m)),
        err: (e: unknown) => redactValue(e instanceof Error ? pino.stdSerializers.err(e) : e),
      },
    },
    destination,
  );
  // pino formats a child's bindings without the bindings formatter: redact them on the way in.
  // Children inherit this `child` through their prototype, so grandchildren are covered too.
  const pinoChild = logger.child;
  (logger as { child: unknown }).child = function redactingChild(
    this: Logger,
    bindings: Record<string, unknown>,
    childOptions?: Parameters<Logger['child']>[1],
  ) {
    return pinoChild.call(this, redactObject(bindings), childOptions);
  };
  return logger;
}

/** A logger that writes nothing: the default of libraries whose caller passed none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Whether `text` names a log level. */
export function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

export type { Level };
