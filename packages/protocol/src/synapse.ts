/**
 * Synapse definitions. A synapse is one message type: its route name, its own fields (inputs the
 * caller fills and outputs the axon fills, as in the SDK, one model for both), which of them the
 * body hash covers, and whether the answer streams.
 *
 * A synapse value is a plain object with the SDK's base fields plus its own fields, under their
 * wire names (snake_case), so it serializes to exactly what the Python SDK dumps.
 */
import { z } from 'zod';
import { ProtocolError, ProtocolErrorCode } from './errors';
import type { TerminalInfo } from './terminalInfo';

export interface SynapseBase {
  name: string;
  /** Seconds the caller waits; set by the dendrite. */
  timeout: number;
  total_size: number;
  header_size: number;
  computed_body_hash: string;
  dendrite: TerminalInfo;
  axon: TerminalInfo;
}

export type Synapse<F = Record<string, unknown>> = SynapseBase & F;

// The default is `any` so that every concrete definition is assignable to a plain `SynapseDef`
// (zod's object type is invariant in its shape).
// biome-ignore lint/suspicious/noExplicitAny: see above
export interface SynapseDef<S extends z.ZodRawShape = any> {
  /** The route name, `/{name}` on the axon; the Python class name of the peer's synapse. */
  readonly name: string;
  readonly schema: z.ZodObject<S>;
  /** Fields covered by the body hash, in hashing order (the SDK's `required_hash_fields`). */
  readonly requiredHashFields: readonly (keyof S & string)[];
  /** Fields without a default: the SDK sends a `bt_header_input_obj_*` placeholder for each. */
  readonly requiredFields: readonly (keyof S & string)[];
  readonly streaming: boolean;
  /** Default `timeout` in seconds when the caller sets none. */
  readonly defaultTimeout: number;
}

export type SynapseFields<D> = D extends SynapseDef<infer S> ? z.output<z.ZodObject<S>> : never;
export type SynapseInput<D> = D extends SynapseDef<infer S> ? z.input<z.ZodObject<S>> : never;
export type SynapseOf<D> = Synapse<SynapseFields<D>>;

export interface DefineSynapseOptions<S extends z.ZodRawShape> {
  name: string;
  fields: S;
  requiredHashFields: readonly (keyof S & string)[];
  streaming?: boolean;
  defaultTimeout?: number;
}

const BASE_FIELDS = new Set([
  'name',
  'timeout',
  'total_size',
  'header_size',
  'computed_body_hash',
  'dendrite',
  'axon',
]);

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function hasDefault(schema: z.ZodType): boolean {
  const t = (schema as unknown as { def: { type: string } }).def.type;
  return t === 'optional' || t === 'default' || t === 'prefault';
}

export function defineSynapse<S extends z.ZodRawShape>(
  options: DefineSynapseOptions<S>,
): SynapseDef<S> {
  if (!NAME_RE.test(options.name)) {
    throw new TypeError(`synapse name '${options.name}' must be a valid identifier`);
  }
  for (const key of Object.keys(options.fields)) {
    if (BASE_FIELDS.has(key)) throw new TypeError(`synapse field '${key}' shadows a base field`);
  }
  for (const key of options.requiredHashFields) {
    if (!(key in options.fields)) {
      throw new TypeError(`hash field '${key}' is not a field of synapse '${options.name}'`);
    }
  }
  const requiredFields = Object.entries(options.fields)
    .filter(([, s]) => !hasDefault(s as z.ZodType))
    .map(([k]) => k as keyof S & string);
  return Object.freeze({
    name: options.name,
    schema: z.object(options.fields),
    requiredHashFields: Object.freeze([...options.requiredHashFields]),
    requiredFields: Object.freeze(requiredFields),
    streaming: options.streaming ?? false,
    defaultTimeout: options.defaultTimeout ?? 12,
  });
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** Validates a synapse's own fields; throws `PROTOCOL_INVALID_SYNAPSE` naming each bad field. */
export function parseSynapseFields<S extends z.ZodRawShape>(
  def: SynapseDef<S>,
  input: unknown,
): z.output<z.ZodObject<S>> {
  const result = def.schema.safeParse(input);
  if (!result.success) {
    throw new ProtocolError(
      ProtocolErrorCode.InvalidSynapse,
      `invalid ${def.name}: ${describeIssues(result.error)}`,
      { cause: result.error },
    );
  }
  return result.data;
}

/** A new synapse value with validated fields and the SDK's base defaults. */
export function createSynapse<S extends z.ZodRawShape>(
  def: SynapseDef<S>,
  input: z.input<z.ZodObject<S>>,
  options: { timeout?: number } = {},
): Synapse<z.output<z.ZodObject<S>>> {
  const fields = parseSynapseFields(def, input);
  return {
    ...fields,
    name: def.name,
    timeout: options.timeout ?? def.defaultTimeout,
    total_size: 0,
    header_size: 0,
    computed_body_hash: '',
    dendrite: {},
    axon: {},
  };
}

/** The synapse's own fields, in declaration order, absent optional ones as `null` (pydantic's dump). */
export function ownFields(def: SynapseDef, synapse: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const src = synapse as Record<string, unknown>;
  for (const key of Object.keys(def.schema.shape)) out[key] = src[key] ?? null;
  return out;
}
