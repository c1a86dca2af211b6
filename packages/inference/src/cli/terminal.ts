/**
 * Text that is not whole lines: a download's progress bar redrawn in place, an LLM's reply as it
 * is generated, an exporter's progress passed through. The kit's `CliIo` writes whole lines, so
 * on a terminal (the operator's stdin and that stream are TTYs) these go to the process's own
 * stream; anywhere else (logs, pipes, tests with `memoryIo`) they are cut into lines and go
 * through the io, and a progress bar prints a line at its start and one at its end.
 */
import type { CliIo } from '@subnet/kit';
import type { ProgressOutput } from './progressBar';

export interface RawOutput extends ProgressOutput {
  /** Ends what was written with a line break when it did not end with one. */
  end(): void;
}

/** Where `stream` (stdout or stderr) text goes for this io. */
export function rawOutput(io: CliIo, stream: 'out' | 'err'): RawOutput {
  const tty = stream === 'out' ? process.stdout : process.stderr;
  if (io.interactive === true && tty.isTTY === true) {
    let lastChar = '\n';
    return {
      isTTY: true,
      write(text: string) {
        if (text === '') return;
        lastChar = text[text.length - 1] as string;
        tty.write(text);
      },
      end() {
        if (lastChar !== '\n') tty.write('\n');
        lastChar = '\n';
      },
    };
  }
  const line = stream === 'out' ? io.out : io.err;
  let pending = '';
  return {
    isTTY: false,
    write(text: string) {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() as string;
      for (const l of lines) line(l);
    },
    end() {
      if (pending !== '') line(pending);
      pending = '';
    },
  };
}
