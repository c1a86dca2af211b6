/**
 * The one way the node's command-line tools are built: a program is a list of commands (a
 * command's name may have several words, `keys create`), each with its options table and a `run`
 * that returns the exit code. `runProgram` parses with node's strict parser, prints help wrapped
 * at words (every command listed, every option described), turns mistakes into one clear line and
 * exit 2, and reports a failure with its code and fix and exit 1. It never calls process.exit.
 */
import { parseArgs } from 'node:util';
import { EXIT, reportError, UsageError } from '../errors.js';
import type { PathContext } from '../paths.js';
import type { OptionTable, OptionValue, OptionValues } from './options.js';
import { twoColumns, wrapText } from './wrap.js';

export interface CliIo {
  /** Writes `text` and a newline to stdout. */
  out(text: string): void;
  /** Writes `text` and a newline to stderr. */
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where relative paths are taken from, and what `~` is. */
  readonly paths: PathContext;
  /** Terminal width for help (default 80). */
  readonly columns?: number;
  /** Whether stdin is a terminal (questions are asked only then). */
  readonly interactive?: boolean;
}

export interface CommandContext {
  /** Flag values by their main name (aliases folded in). */
  readonly values: OptionValues;
  readonly positionals: readonly string[];
  readonly io: CliIo;
  /** `pnpm miner start`: for messages that tell the operator what to run. */
  readonly invocation: string;
}

export interface CommandSpec {
  /**
   * The words that name it after the program: `start`, `keys create`; `''` for a program that is
   * one command (`pnpm devnet [options]`), which then also takes what no other command names.
   */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** More, for its own --help (paragraphs; wrapped). */
  readonly description?: string;
  /** The positional part of its usage line: `<id...>`. */
  readonly args?: string;
  readonly positionals?: { readonly min?: number; readonly max?: number };
  readonly options: OptionTable;
  /** Lines shown under "Examples:". */
  readonly examples?: readonly string[];
  run(ctx: CommandContext): Promise<number | undefined> | number | undefined;
}

export interface ProgramSpec {
  /** How the operator runs it: `pnpm miner`. */
  readonly name: string;
  readonly summary: string;
  readonly description?: string;
  readonly commands: readonly CommandSpec[];
  /** Text after the command list (environment, where to read more). */
  readonly footer?: string;
}

const HELP_OPTION = { type: 'boolean', short: 'h', description: 'show this help' } as const;

function widthOf(io: CliIo): number {
  const c = io.columns ?? 80;
  return Math.max(40, Math.min(120, c));
}

function words(name: string): string[] {
  return name.split(' ').filter(Boolean);
}

function optionLabel(name: string, spec: OptionTable[string]): string {
  const short = spec.short ? `-${spec.short}, ` : '';
  const value = spec.type === 'string' ? ` <${spec.value ?? 'value'}>` : '';
  return `${short}--${name}${value}`;
}

function optionText(spec: OptionTable[string]): string {
  const extra: string[] = [];
  if (spec.default !== undefined) extra.push(`default: ${spec.default}`);
  if (spec.multiple) extra.push('repeatable');
  if (spec.aliases?.length) extra.push(`also --${spec.aliases.join(', --')}`);
  return extra.length > 0 ? `${spec.description} (${extra.join('; ')})` : spec.description;
}

/** The help of one command. */
export function commandHelp(program: ProgramSpec, command: CommandSpec, columns = 80): string {
  const width = Math.max(40, Math.min(120, columns));
  const usage = `Usage: ${[program.name, command.name, command.args].filter(Boolean).join(' ')} [options]`;
  const parts = [wrapText(usage, width, 4, 0), '', wrapText(command.summary, width)];
  if (command.description) parts.push('', wrapText(command.description, width));
  const rows = Object.entries({ ...command.options, help: HELP_OPTION }).map(
    ([name, spec]) => [optionLabel(name, spec), optionText(spec)] as const,
  );
  parts.push('', 'Options:', twoColumns(rows, width));
  if (command.examples?.length) {
    // As written where they fit (their comments are aligned with spaces that wrapping would
    // collapse); wrapped at words where they do not.
    parts.push(
      '',
      'Examples:',
      ...command.examples.map((e) => (e.length + 2 <= width ? `  ${e}` : wrapText(e, width, 4, 2))),
    );
  }
  if (command.name === '' && program.footer) parts.push('', wrapText(program.footer, width));
  return parts.join('\n');
}

/** The help of the program: every command, nested ones included. */
export function programHelp(program: ProgramSpec, columns = 80, only?: string): string {
  const width = Math.max(40, Math.min(120, columns));
  const commands = program.commands.filter(
    (c) => only === undefined || c.name === only || c.name.startsWith(`${only} `),
  );
  const parts = [
    `Usage: ${program.name}${only ? ` ${only}` : ''} <command> [options]`,
    '',
    wrapText(program.summary, width),
  ];
  if (program.description && only === undefined)
    parts.push('', wrapText(program.description, width));
  const rows = commands.map((c) => [`${c.name}${c.args ? ` ${c.args}` : ''}`, c.summary] as const);
  parts.push('', 'Commands:', twoColumns(rows, width, { maxLeft: 26 }));
  parts.push(
    '',
    wrapText(`Run \`${program.name} <command> --help\` for a command's options.`, width),
  );
  if (program.footer && only === undefined) parts.push('', wrapText(program.footer, width));
  return parts.join('\n');
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(
        (row[j] as number) + 1,
        (row[j - 1] as number) + 1,
        prev + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      prev = cur;
    }
  }
  return row[b.length] as number;
}

/** The closest of `candidates` to `word`, when it is close enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function findCommand(
  program: ProgramSpec,
  leading: readonly string[],
): { command: CommandSpec; used: number } | undefined {
  let found: { command: CommandSpec; used: number } | undefined;
  for (const command of program.commands) {
    const w = words(command.name);
    if (w.length <= leading.length && w.every((x, i) => leading[i] === x)) {
      if (!found || w.length > found.used) found = { command, used: w.length };
    }
  }
  return found;
}

interface Parsed {
  values: Record<string, OptionValue | undefined>;
  positionals: string[];
  help: boolean;
}

function parseCommandArgs(command: CommandSpec, args: readonly string[], where: string): Parsed {
  const options: Record<
    string,
    { type: 'string' | 'boolean'; short?: string; multiple?: boolean }
  > = {
    help: { type: 'boolean', short: 'h' },
  };
  const aliasOf = new Map<string, string>();
  for (const [name, spec] of Object.entries(command.options)) {
    options[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
    for (const alias of spec.aliases ?? []) {
      options[alias] = { type: spec.type, ...(spec.multiple ? { multiple: true } : {}) };
      aliasOf.set(alias, name);
    }
  }
  let result: ReturnType<typeof parseArgs>;
  try {
    result = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (e) {
    throw usageFromParseError(e as Error & { code?: string }, Object.keys(options), where);
  }
  const values: Record<string, OptionValue | undefined> = {};
  for (const [key, value] of Object.entries(result.values)) {
    if (key === 'help') continue;
    const name = aliasOf.get(key) ?? key;
    values[name] = value as OptionValue;
  }
  return { values, positionals: result.positionals, help: result.values.help === true };
}

function usageFromParseError(
  e: Error & { code?: string },
  names: readonly string[],
  where: string,
): UsageError {
  const help = `run \`${where} --help\` for its options`;
  const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(e.message);
  if (unknown?.[1]) {
    const flag = unknown[1];
    const guess = closest(flag.replace(/^-+/, ''), names);
    return new UsageError(
      `unknown option ${flag}${guess ? ` (did you mean --${guess}?)` : ''}`,
      help,
    );
  }
  const missing = /Option '(-[^']*?)(?: <value>)?' argument missing/.exec(e.message);
  if (missing?.[1]) {
    const flag = missing[1].split(',').pop()?.trim() ?? missing[1];
    return new UsageError(`${flag} needs a value`, help);
  }
  const ambiguous = /Option '(-[^']*?)' argument is ambiguous/.exec(e.message);
  if (ambiguous?.[1]) {
    const flag = ambiguous[1].split(',').pop()?.trim() ?? ambiguous[1];
    return new UsageError(
      `${flag} needs a value (a value starting with "-" is written ${flag}=-1)`,
      help,
    );
  }
  const noValue = /Option '(-[^']*?)' does not take an argument/.exec(e.message);
  if (noValue?.[1]) {
    const flag = noValue[1].split(',').pop()?.trim() ?? noValue[1];
    return new UsageError(`${flag} is a switch and takes no value`, help);
  }
  return new UsageError(e.message.split('\n')[0] ?? e.message, help);
}

/**
 * Runs the command `argv` names. Returns its exit code: 0 done (help included), 1 failed, 2 bad
 * usage. Output goes through `io`; errors are reported there with their code and fix.
 */
export async function runProgram(
  program: ProgramSpec,
  argv: readonly string[],
  io: CliIo,
): Promise<number> {
  const width = widthOf(io);
  // A leading `--` (from `pnpm run x -- args`) separates nothing here.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  const leading: string[] = [];
  for (const a of args) {
    if (a.startsWith('-')) break;
    leading.push(a);
  }
  const wantsHelp = args.includes('--help') || args.includes('-h');
  const found = findCommand(program, leading);
  if (!found) {
    const first = leading[0];
    const group =
      first !== undefined && program.commands.some((c) => c.name.startsWith(`${first} `))
        ? first
        : undefined;
    if (leading.length === 0 || (group !== undefined && leading.length === 1)) {
      // No command named (or only a group's first word): the help, on stdout when asked for.
      const help = programHelp(program, width, group);
      if (wantsHelp) {
        io.out(help);
        return EXIT.ok;
      }
      io.err(`${program.name}${group ? ` ${group}` : ''}: name a command\n\n${help}`);
      return EXIT.usage;
    }
    const names = program.commands.map((c) => c.name).filter(Boolean);
    // A typo may be in either word of a two-word command (`walet list`).
    const two = leading.length > 1 ? `${leading[0]} ${leading[1]}` : undefined;
    const attempted =
      group !== undefined || (two !== undefined && closest(two, names)?.includes(' '))
        ? (two as string)
        : (first as string);
    const guess = closest(attempted, names);
    io.err(
      `${program.name}: unknown command "${attempted}"${guess ? ` (did you mean "${guess}"?)` : ''}\n\n${programHelp(program, width)}`,
    );
    return EXIT.usage;
  }
  const { command, used } = found;
  const invocation = command.name === '' ? program.name : `${program.name} ${command.name}`;
  const rest = args.slice(used);
  let parsed: Parsed;
  try {
    parsed = parseCommandArgs(command, rest, invocation);
  } catch (e) {
    return report(invocation, e, io);
  }
  if (parsed.help) {
    io.out(commandHelp(program, command, width));
    return EXIT.ok;
  }
  const min = command.positionals?.min ?? 0;
  const max = command.positionals?.max ?? 0;
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    const what =
      parsed.positionals.length > max
        ? max === 0
          ? `takes no arguments (got "${parsed.positionals.join(' ')}")`
          : `takes at most ${max} argument${max === 1 ? '' : 's'}`
        : `needs ${command.args ?? `${min} argument${min === 1 ? '' : 's'}`}`;
    return report(
      invocation,
      new UsageError(`${what}`, `run \`${invocation} --help\` for its usage`),
      io,
    );
  }
  try {
    const code = await command.run({
      values: parsed.values,
      positionals: parsed.positionals,
      io,
      invocation,
    });
    return code ?? EXIT.ok;
  } catch (e) {
    return report(invocation, e, io);
  }
}

function report(invocation: string, e: unknown, io: CliIo): number {
  const { lines, exitCode } = reportError(invocation, e);
  io.err(lines.join('\n'));
  return exitCode;
}

/** The commands of `program` under a prefix, to serve one program inside another (`miner models`). */
export function mountCommands(prefix: string, program: ProgramSpec): CommandSpec[] {
  return program.commands.map((c) => ({ ...c, name: `${prefix} ${c.name}` }));
}
