/** The options table every command declares its flags in, and how flags become settings. */

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly description: string;
  /** The value's placeholder in help: `--netuid <N>`. Default `value`. */
  readonly value?: string;
  /** Shown as "(default: …)"; applying it is the configuration's job, not the parser's. */
  readonly default?: string;
  readonly short?: string;
  /** The flag may be given more than once; its value is then a list. */
  readonly multiple?: boolean;
  /** Other names accepted for the same flag (`--network` for `--subtensor.network`). */
  readonly aliases?: readonly string[];
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

export type OptionValue = string | boolean | readonly string[];
export type OptionValues = Readonly<Record<string, OptionValue | undefined>>;

/** A string flag's value, or undefined (a repeated flag gives its last value). */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v[v.length - 1];
  return undefined;
}

/**
 * Dotted flags as the nested object a configuration schema reads: `{ 'wallet.name': 'a' }` →
 * `{ wallet: { name: 'a' } }`. Undefined values are left out.
 */
export function nestFlags(
  values: OptionValues,
  skip: readonly string[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || skip.includes(key)) continue;
    const parts = key.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (next === undefined || typeof next !== 'object' || next === null) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1] as string] = value;
  }
  return out;
}
