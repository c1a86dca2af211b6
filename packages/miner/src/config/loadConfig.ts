/**
 * Reads the miner's configuration from a YAML/JSON file, `SUBNET_MINER_*` environment variables
 * (double underscore nests: `SUBNET_MINER_AXON__PORT=8091`) and parsed flags; validates it once and
 * freezes it. On failure, the error says which value was wrong, what was received and how to fix it.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { MinerError, MinerErrorCode } from '../errors';
import { type MinerConfig, minerConfigSchema } from './minerConfig';

export const ENV_PREFIX = 'SUBNET_MINER_';

type Tree = Record<string, unknown>;

function setPath(tree: Tree, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!next || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Tree;
  }
  node[path[path.length - 1] as string] = value;
}

export function envTree(
  env: Readonly<Record<string, string | undefined>>,
  prefix = ENV_PREFIX,
): Tree {
  const tree: Tree = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined) continue;
    const path = name.slice(prefix.length).toLowerCase().split('__').filter(Boolean);
    if (path.length > 0) setPath(tree, path, value);
  }
  return tree;
}

/** Deep merge, later sources win; arrays and scalars replace. */
export function mergeTrees(...trees: unknown[]): Tree {
  const out: Tree = {};
  for (const t of trees) {
    if (!t || typeof t !== 'object' || Array.isArray(t)) continue;
    for (const [k, v] of Object.entries(t as Tree)) {
      const prev = out[k];
      const bothObjects =
        v &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        prev &&
        typeof prev === 'object' &&
        !Array.isArray(prev);
      out[k] = bothObjects ? mergeTrees(prev, v) : v;
    }
  }
  return out;
}

function describe(error: z.ZodError, input: unknown): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String);
      let received: unknown = input;
      for (const p of path)
        received = received && typeof received === 'object' ? (received as Tree)[p] : undefined;
      const flag = path.length ? `--${path.join('.')}` : '(config)';
      if (issue.code === 'unrecognized_keys') return `  ${flag}: ${issue.message}`;
      const env = path.length ? `${ENV_PREFIX}${path.join('__').toUpperCase()}` : '';
      return `  ${flag}: ${issue.message} (received ${received === undefined ? 'nothing' : JSON.stringify(received)})${env ? `; set it with ${flag} <value>, ${env}, or in the --config file` : ''}`;
    })
    .join('\n');
}

export interface LoadConfigInput {
  flags: Tree;
  env?: Readonly<Record<string, string | undefined>>;
  /** Path of a YAML or JSON config file (`--config`). */
  file?: string;
}

export function loadMinerConfig(input: LoadConfigInput): Readonly<MinerConfig> {
  let fromFile: unknown = {};
  if (input.file) {
    let text: string;
    try {
      text = readFileSync(input.file, 'utf8');
    } catch (cause) {
      throw new MinerError(
        MinerErrorCode.ConfigInvalid,
        `cannot read the config file ${input.file}: ${(cause as Error).message}`,
        { cause },
      );
    }
    try {
      fromFile = parseYaml(text) ?? {};
    } catch (cause) {
      throw new MinerError(
        MinerErrorCode.ConfigInvalid,
        `the config file ${input.file} is not valid YAML/JSON: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
  const merged = mergeTrees(fromFile, envTree(input.env ?? {}), input.flags);
  const result = minerConfigSchema.safeParse(merged);
  if (!result.success) {
    throw new MinerError(
      MinerErrorCode.ConfigInvalid,
      `invalid miner configuration:\n${describe(result.error, merged)}`,
      {
        cause: result.error,
      },
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
