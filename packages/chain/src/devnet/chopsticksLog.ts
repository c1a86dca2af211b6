/**
 * chopsticks logs through a pino logger of its own: a pretty-printing worker writing to stdout,
 * at the level it reads from `LOG_LEVEL` when its module is first loaded. A devnet routes those
 * lines into the logger of whoever started it instead, so that the package never sets or reads
 * the environment to quiet chopsticks, and `pnpm devnet --json` keeps its stdout to itself.
 *
 * How: every chopsticks logger is a child of its root logger (`pinoLogger`) and writes to the
 * root's destination stream, which children share through their prototype. That stream is
 * replaced, once, by one that asks pino for each line's level and object (pino's metadata-stream
 * protocol, `Symbol.for('pino.metadata')`) and hands them to the newest sink: the logger of the
 * most recently started devnet still running. Without a sink the lines are dropped.
 */
import type { Logger } from '@subnet/kit';

interface PinoLike {
  bindings?(): Record<string, unknown>;
}

interface MetadataStream {
  lastLevel: number;
  lastObj: Record<string, unknown> | undefined;
  lastMsg: string | undefined;
  lastLogger: PinoLike | undefined;
  write(line: string): void;
}

const sinks: Logger[] = [];
let installed = false;

function levelName(value: number): 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' {
  if (value >= 60) return 'fatal';
  if (value >= 50) return 'error';
  if (value >= 40) return 'warn';
  if (value >= 30) return 'info';
  if (value >= 20) return 'debug';
  return 'trace';
}

const stream: MetadataStream & { [key: symbol]: unknown } = {
  [Symbol.for('pino.metadata')]: true,
  lastLevel: 0,
  lastObj: undefined,
  lastMsg: undefined,
  lastLogger: undefined,
  write() {
    const sink = sinks[sinks.length - 1];
    if (!sink) return;
    const source = this.lastLogger?.bindings?.().name;
    const obj = { ...(typeof source === 'string' ? { chopsticks: source } : {}), ...this.lastObj };
    sink[levelName(this.lastLevel)](obj, this.lastMsg);
  },
};

/** Replaces the destination of chopsticks' root pino logger by the router above (once). */
export function routeChopsticksLogs(rootLogger: object): void {
  if (installed) return;
  const streamSym = Object.getOwnPropertySymbols(rootLogger).find(
    (s) => s.description === 'pino.stream',
  );
  // A chopsticks whose logger is not pino's any more: leave it as it is.
  if (!streamSym) return;
  (rootLogger as Record<symbol, unknown>)[streamSym] = stream;
  installed = true;
}

/**
 * Sends chopsticks' lines to `logger` (a child of it, at `level` or the logger's own level,
 * whichever is stricter) until the returned function is called.
 */
export function addChopsticksSink(logger: Logger, level: string): () => void {
  const sink = logger.child({ module: 'chopsticks' });
  const wanted = logger.levels.values[level];
  if (wanted !== undefined && wanted > logger.levelVal) sink.level = level;
  sinks.push(sink);
  return () => {
    const i = sinks.lastIndexOf(sink);
    if (i >= 0) sinks.splice(i, 1);
  };
}
