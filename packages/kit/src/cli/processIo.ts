/** The `CliIo` of this process, for `main` files: the only place the kit reads `process`. */
import { processPathContext } from '../paths.js';
import type { CliIo, ProgramSpec } from './program.js';
import { runProgram } from './program.js';

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    paths: processPathContext(process.env),
    columns: process.stdout.columns ?? 80,
    interactive: process.stdin.isTTY === true,
  };
}

/**
 * Runs `program` on this process's arguments and sets the exit code. With `exit: true` the process
 * exits once the command returns (for commands whose libraries leave native threads behind).
 */
export async function runMain(
  program: ProgramSpec,
  options: { exit?: boolean } = {},
): Promise<void> {
  const code = await runProgram(program, process.argv.slice(2), processIo());
  process.exitCode = code;
  if (options.exit) {
    // Let stdout and stderr drain before leaving.
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    process.exit(code);
  }
}
