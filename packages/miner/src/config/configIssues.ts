/**
 * A configuration's zod issues in the operator's words, through the kit's `formatZodIssues`: each
 * line names the flag, the environment variable that sets the same value and what is wrong.
 *
 * Three things are adjusted first. The miner's environment nests on double underscores
 * (`SUBNET_MINER_AXON__PORT`, see `envTree`), so the variable is named here, and only for settings
 * an environment variable can reach (lower-case keys: `envTree` lower-cases names). A value that
 * `z.coerce.number()` turned into NaN is reported as the operator typed it, or as missing. And a
 * discriminator that matches no option (`type: gan`) is reported as the options to choose from.
 */
import { formatZodIssues, settingPath } from '@subnet/kit';
import { z } from 'zod';

/** `['axon', 'port']` → `SUBNET_MINER_AXON__PORT`; undefined where no variable can set it. */
export function envVariable(prefix: string, path: readonly PropertyKey[]): string | undefined {
  if (path.length === 0) return undefined;
  if (!path.every((p) => typeof p === 'string' && /^[a-z0-9_]+$/.test(p))) return undefined;
  return `${prefix}${path.join('__').toUpperCase()}`;
}

function valueAt(tree: unknown, path: readonly PropertyKey[]): unknown {
  let node = tree;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** The issue as the operator should read it (see above). */
function normalized(issue: z.core.$ZodIssue, input: unknown): z.core.$ZodIssue {
  // zod adds the options to a discriminated union's issue without typing them.
  const options = (issue as { options?: unknown }).options;
  if (issue.code === 'invalid_union' && Array.isArray(options)) {
    const { path, message } = issue;
    const values = options as z.core.util.Primitive[];
    return { code: 'invalid_value', values, path, message, input: valueAt(input, path) };
  }
  if (issue.code !== 'invalid_type' || !Number.isNaN(issue.input)) return issue;
  const given = valueAt(input, issue.path);
  return given === undefined
    ? { ...issue, input: undefined, message: `expected ${issue.expected}, received undefined` }
    : { ...issue, input: given };
}

/** One line per issue: `--axon.port (or SUBNET_MINER_AXON__PORT) must be at most 65535`. */
export function configIssueLines(error: z.ZodError, input: unknown, envPrefix: string): string[] {
  return error.issues.map((raw) => {
    const issue = normalized(raw, input);
    const [line = issue.message] = formatZodIssues(new z.ZodError([issue]));
    const flag = `--${settingPath(issue.path)}`;
    const env = issue.code === 'unrecognized_keys' ? undefined : envVariable(envPrefix, issue.path);
    return env !== undefined && line.startsWith(`${flag} `)
      ? `${flag} (or ${env})${line.slice(flag.length)}`
      : line;
  });
}
