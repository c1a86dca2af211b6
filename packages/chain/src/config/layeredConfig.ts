/**
 * btcli-style configuration for the daemons: one zod schema over defaults < a YAML/JSON file
 * (`--config`) < `<PREFIX>*` environment variables (double underscore nests:
 * `SUBNET_MINER_AXON__PORT=8091`) < parsed flags, validated once and frozen. A failure names each
 * wrong value by its flag, what was received and where it can be set. The `wallet` and
 * `subtensor` sections every daemon has are here too.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export type ConfigTree = Record<string, unknown>;

export interface ConfigSources {
  flags: ConfigTree;
  env?: Readonly<Record<string, string | undefined>>;
  /** Path of a YAML or JSON config file (`--config`). */
  file?: string | undefined;
}

export interface LayeredConfigOptions {
  /** The environment variables' prefix, e.g. `SUBNET_MINER_`. */
  envPrefix: string;
  /** What is configured, for the error message ("miner"). */
  what: string;
  /** The flag a key path is set with (default `--a.b.c`). */
  flagName?: (path: readonly string[]) => string;
  /** The error to throw (each daemon has its own error code for a bad configuration). */
  fail: (message: string, cause: unknown) => Error;
}

/** The hotkey's wallet, in the btcli layout (`--wallet.name`, `--wallet.hotkey`, `--wallet.path`). */
export const walletConfigSchema = z
  .strictObject({
    name: z.string().min(1).default('default'),
    hotkey: z.string().min(1).default('default'),
    path: z.string().min(1).default('~/.bittensor/wallets'),
  })
  .prefault({});

/** The chain (`--subtensor.network`): finney | test | local | a ws:// or wss:// URL. */
export const subtensorConfigSchema = z
  .strictObject({ network: z.string().min(1).default('local') })
  .prefault({});

function isTree(v: unknown): v is ConfigTree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function setPath(tree: ConfigTree, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    if (!isTree(node[key])) node[key] = {};
    node = node[key] as ConfigTree;
  }
  node[path[path.length - 1] as string] = value;
}

/** `<PREFIX>A__B_C=v` → `{ a: { b_c: 'v' } }`. */
export function envTree(
  env: Readonly<Record<string, string | undefined>>,
  prefix: string,
): ConfigTree {
  const tree: ConfigTree = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined) continue;
    const path = name.slice(prefix.length).toLowerCase().split('__').filter(Boolean);
    if (path.length > 0) setPath(tree, path, value);
  }
  return tree;
}

/** Deep merge, later sources win; arrays and scalars replace. */
export function mergeTrees(...trees: unknown[]): ConfigTree {
  const out: ConfigTree = {};
  for (const t of trees) {
    if (!isTree(t)) continue;
    for (const [k, v] of Object.entries(t)) {
      const prev = out[k];
      out[k] = isTree(v) && isTree(prev) ? mergeTrees(prev, v) : v;
    }
  }
  return out;
}

function describeIssues(error: z.ZodError, input: unknown, options: LayeredConfigOptions): string {
  const flagName = options.flagName ?? ((path) => `--${path.join('.')}`);
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String);
      let received: unknown = input;
      for (const p of path) received = isTree(received) ? received[p] : undefined;
      const flag = path.length ? flagName(path) : '(config)';
      if (issue.code === 'unrecognized_keys') return `  ${flag}: ${issue.message}`;
      const env = path.length ? `${options.envPrefix}${path.join('__').toUpperCase()}` : '';
      const shown = received === undefined ? 'nothing' : JSON.stringify(received);
      return `  ${flag}: ${issue.message} (received ${shown})${env ? `; set it with ${flag} <value>, ${env}, or in the --config file` : ''}`;
    })
    .join('\n');
}

function readConfigFile(file: string, options: LayeredConfigOptions): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw options.fail(`cannot read the config file ${file}: ${(cause as Error).message}`, cause);
  }
  try {
    return parseYaml(text) ?? {};
  } catch (cause) {
    throw options.fail(
      `the config file ${file} is not valid YAML/JSON: ${(cause as Error).message}`,
      cause,
    );
  }
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export function loadLayeredConfig<S extends z.ZodType>(
  schema: S,
  sources: ConfigSources,
  options: LayeredConfigOptions,
): Readonly<z.output<S>> {
  const fromFile = sources.file ? readConfigFile(sources.file, options) : {};
  const merged = mergeTrees(fromFile, envTree(sources.env ?? {}, options.envPrefix), sources.flags);
  const result = schema.safeParse(merged);
  if (!result.success) {
    throw options.fail(
      `invalid ${options.what} configuration:\n${describeIssues(result.error, merged, options)}`,
      result.error,
    );
  }
  return deepFreeze(result.data as z.output<S>);
}
