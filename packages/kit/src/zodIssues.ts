/**
 * Configuration errors in an operator's words. A zod issue becomes one line naming the setting as
 * the operator writes it (`--wallet.name`, `SUBNET_MINER_WALLET_NAME`, `wallet.name:` in the file)
 * and what is wrong with it, instead of zod's own wording ("expected number, received undefined").
 */
import type { z } from 'zod';

export interface SettingNames {
  /** Environment variable prefix of the daemon (`SUBNET_MINER_`); omit when env is not read. */
  readonly envPrefix?: string;
}

/** `wallet.name` → `--wallet.name`; `[tasks, TextToImage, models]` → `tasks.TextToImage.models`. */
export function settingPath(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
    .join('.')
    .replace(/\.\[/g, '[');
}

function where(path: readonly PropertyKey[], names: SettingNames): string {
  const dotted = settingPath(path);
  if (dotted === '') return 'the configuration';
  // The daemons' environment nests on double underscores (SUBNET_MINER_AXON__PORT) and reaches
  // only lower-case keys: other settings are named by their flag alone.
  const reachable = path.every((p) => typeof p === 'string' && /^[a-z0-9_]+$/.test(p));
  const env =
    names.envPrefix && reachable
      ? ` (or ${names.envPrefix}${path.map(String).join('__').toUpperCase()})`
      : '';
  return `--${dotted}${env}`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      // zod reports the input only when asked; its message says "received undefined" either way.
      if (issue.input === undefined && /received undefined$/.test(issue.message))
        return 'is required';
      const expected = issue.expected === 'int' ? 'number' : issue.expected;
      const got =
        issue.input === undefined
          ? ''
          : ` (got ${JSON.stringify(issue.input) ?? typeof issue.input})`;
      return `must be ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}${got}`;
    }
    case 'too_small':
      return `must be at least ${String(issue.minimum)}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : ''}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : ''}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `has unknown settings: ${issue.keys.join(', ')} (check the spelling)`;
    case 'invalid_format':
      return `is not a valid ${issue.format}`;
    default:
      return issue.message;
  }
}

/** One line per issue, each naming the setting and the problem. */
export function formatZodIssues(error: z.ZodError, names: SettingNames = {}): string[] {
  return error.issues.map((issue) => `${where(issue.path, names)} ${describeIssue(issue)}`);
}
