/**
 * Stopping a daemon: the first SIGINT or SIGTERM starts a graceful stop (drain, close, exit 0); a
 * second one while it drains exits at once with 130 (SIGINT) or 143 (SIGTERM), so an operator
 * pressing Ctrl-C twice is never left waiting.
 */

export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

export interface StopSignalOptions {
  /** Called once, on the first signal. */
  readonly onStop: (signal: 'SIGINT' | 'SIGTERM') => void;
  /** Called on a second signal, with the exit code to leave with (default: process.exit). */
  readonly onForce?: (exitCode: number) => void;
  readonly source?: SignalSource;
}

/** Listens for stop signals from now on; returns the function that stops listening. */
export function onStopSignals(options: StopSignalOptions): () => void {
  const source = options.source ?? process;
  let first: string | undefined;
  const handle = (signal: 'SIGINT' | 'SIGTERM') => () => {
    if (first === undefined) {
      first = signal;
      options.onStop(signal);
      return;
    }
    const code = signal === 'SIGINT' ? 130 : 143;
    (options.onForce ?? ((c: number) => process.exit(c)))(code);
  };
  const onInt = handle('SIGINT');
  const onTerm = handle('SIGTERM');
  source.on('SIGINT', onInt);
  source.on('SIGTERM', onTerm);
  return () => {
    source.off('SIGINT', onInt);
    source.off('SIGTERM', onTerm);
  };
}
