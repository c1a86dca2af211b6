/**
 * Flags of the bench's helper processes (axonServer, cheapAxons, fanoutClient, loadClient), parsed
 * one way: strict `node:util` parseArgs, `--help`/`-h` printing the script's help, a bad flag
 * printing the reason and the help on stderr with exit code 2.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

export type ScriptValues = Record<string, string | boolean | undefined>;

export interface BenchScript {
  /** Its name, prefixed to every error line. */
  name: string;
  help: string;
}

/** Prints `message` and the help on stderr; returns the exit code 2. */
export function usage(script: BenchScript, message: string): number {
  process.stderr.write(`${script.name}: ${message}\n\n${script.help}`);
  return 2;
}

/** The parsed flags, or the exit code when the help was asked for (0) or a flag is bad (2). */
export function scriptArgs(
  script: BenchScript,
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
): { values: ScriptValues } | { exit: number } {
  let values: ScriptValues;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (e) {
    return { exit: usage(script, (e as Error).message) };
  }
  if (values.help) {
    process.stdout.write(script.help);
    return { exit: 0 };
  }
  return { values };
}
