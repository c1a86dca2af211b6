/**
 * Reads the validator's configuration from a YAML/JSON file, `SUBNET_VALIDATOR_*` environment
 * variables (double underscore nests: `SUBNET_VALIDATOR_API__PORT=8090`) and parsed flags;
 * validates it once and freezes it. On failure the error names each wrong value, what was
 * received and where to set it.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ValidatorError, ValidatorErrorCode } from '../errors';
import { type ValidatorConfig, validatorConfigSchema } from './validatorConfig';

export const ENV_PREFIX = 'SUBNET_VALIDATOR_';

type Tree = Record<string, unknown>;

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function setPath(tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    if (!isTree(node[key])) node[key] = {};
    node = node[key] as Tree;
  }
  node[path[path.length - 1] as string] = value;
}

/** `SUBNET_VALIDATOR_A__B_C=v` → `{ a: { b_c: 'v' } }`. */
export function envTree(env: Readonly<Record<string, string | undefined>>): Tree {
  const tree: Tree = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).toLowerCase().split('__').filter(Boolean);
    if (path.length > 0) setPath(tree, path, value);
  }
  return tree;
}

/** Deep merge, later sources win; arrays and scalars replace. */
export function mergeTrees(...trees: unknown[]): Tree {
  const out: Tree = {};
  for (const t of trees) {
    if (!isTree(t)) continue;
    for (const [k, v] of Object.entries(t)) {
      const prev = out[k];
      out[k] = isTree(v) && isTree(prev) ? mergeTrees(prev, v) : v;
    }
  }
  return out;
}

function flagName(path: readonly string[]): string {
  const joined = path.join('.');
  if (joined === 'database_url') return '--database-url';
  if (joined === 'data_dir') return '--data-dir';
  return `--${joined}`;
}

function describeIssues(error: z.ZodError, input: unknown): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String);
      let received: unknown = input;
      for (const p of path) received = isTree(received) ? received[p] : undefined;
      const flag = path.length ? flagName(path) : '(config)';
      if (issue.code === 'unrecognized_keys') return `  ${flag}: ${issue.message}`;
      const env = path.length ? `${ENV_PREFIX}${path.join('__').toUpperCase()}` : '';
      const shown = received === undefined ? 'nothing' : JSON.stringify(received);
      return `  ${flag}: ${issue.message} (received ${shown})${env ? `; set it with ${flag} <value>, ${env}, or in the --config file` : ''}`;
    })
    .join('\n');
}

export interface LoadConfigInput {
  flags: Tree;
  env?: Readonly<Record<string, string | undefined>>;
  /** Path of a YAML or JSON config file (`--config`). */
  file?: string | undefined;
}

function readFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ValidatorError(
      ValidatorErrorCode.ConfigInvalid,
      `cannot read the config file ${file}: ${(cause as Error).message}`,
      { cause },
    );
  }
  try {
    return parseYaml(text) ?? {};
  } catch (cause) {
    throw new ValidatorError(
      ValidatorErrorCode.ConfigInvalid,
      `the config file ${file} is not valid YAML/JSON: ${(cause as Error).message}`,
      { cause },
    );
  }
}

export function loadValidatorConfig(input: LoadConfigInput): Readonly<ValidatorConfig> {
  const fromFile = input.file ? readFile(input.file) : {};
  const merged = mergeTrees(fromFile, envTree(input.env ?? {}), input.flags);
  const result = validatorConfigSchema.safeParse(merged);
  if (!result.success) {
    throw new ValidatorError(
      ValidatorErrorCode.ConfigInvalid,
      `invalid validator configuration:\n${describeIssues(result.error, merged)}`,
      { cause: result.error },
    );
  }
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
