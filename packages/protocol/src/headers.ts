/**
 * Synapse ↔ HTTP headers, as the SDK's `Synapse.to_headers()` / `parse_headers_to_inputs()`.
 *
 * Outgoing: `name`, `timeout`, `bt_header_axon_*` and `bt_header_dendrite_*` for each non-None
 * TerminalInfo field (Python `str()` of the value), a `bt_header_input_obj_*` placeholder for each
 * required field (base64 of the JSON of an empty value of the field's type, so the peer's model
 * validates from headers alone), then `header_size`, `total_size`, `computed_body_hash`.
 *
 * Incoming: strict. A header that the SDK would cast with `int()`/`float()` must be a number here,
 * or parsing fails with `PROTOCOL_BAD_HEADER` naming the header (the axon answers 400).
 */
import type { z } from 'zod';
import { bodyHash } from './bodyHash';
import { ProtocolError, ProtocolErrorCode } from './errors';
import { pyFloatRepr } from './pythonRepr';
import type { SynapseBase, SynapseDef } from './synapse';
import {
  TERMINAL_INFO_FIELDS,
  TERMINAL_INFO_KINDS,
  type TerminalInfo,
  type TerminalInfoField,
} from './terminalInfo';

export const AXON_PREFIX = 'bt_header_axon_';
export const DENDRITE_PREFIX = 'bt_header_dendrite_';
export const INPUT_OBJ_PREFIX = 'bt_header_input_obj_';

function terminalValueToHeader(field: TerminalInfoField, value: unknown): string {
  if (TERMINAL_INFO_KINDS[field] === 'float' && typeof value === 'number')
    return pyFloatRepr(value);
  return String(value);
}

function placeholderJson(schema: z.ZodType, value: unknown): string {
  // The SDK sends json.dumps(type(value)()): the empty value of the value's own Python type.
  if (typeof value === 'boolean') return 'false';
  if (typeof value === 'string') return '""';
  if (Array.isArray(value)) return '[]';
  if (typeof value === 'object') return '{}';
  if (typeof value === 'number' || typeof value === 'bigint') {
    let s = schema as unknown as { def: { type: string; innerType?: unknown }; isInt?: boolean };
    while (s.def.type === 'nullable' && s.def.innerType) s = s.def.innerType as typeof s;
    const isFloat = s.def.type === 'number' && !s.isInt;
    return isFloat ? '0.0' : '0';
  }
  throw new ProtocolError(
    ProtocolErrorCode.NotSerializable,
    `cannot build a header placeholder for a ${typeof value}`,
  );
}

export interface ToHeadersOptions {
  /** Precomputed body hash (saves hashing twice); computed when absent. */
  bodyHash?: string;
  /** Size of the JSON body in bytes, reported as `total_size`. */
  totalSize?: number;
}

export function toHeaders(
  def: SynapseDef,
  synapse: SynapseBase,
  options: ToHeadersOptions = {},
): Record<string, string> {
  const headers: Record<string, string> = {
    name: synapse.name || def.name,
    timeout: pyFloatRepr(synapse.timeout),
  };
  for (const [prefix, info] of [
    [AXON_PREFIX, synapse.axon],
    [DENDRITE_PREFIX, synapse.dendrite],
  ] as const) {
    for (const field of TERMINAL_INFO_FIELDS) {
      const v = info?.[field];
      if (v !== null && v !== undefined)
        headers[`${prefix}${field}`] = terminalValueToHeader(field, v);
    }
  }
  const fields = synapse as unknown as Record<string, unknown>;
  for (const key of def.requiredFields) {
    const v = fields[key];
    if (v === null || v === undefined) continue;
    const json = placeholderJson(def.schema.shape[key] as z.ZodType, v);
    headers[`${INPUT_OBJ_PREFIX}${key}`] = Buffer.from(json, 'utf8').toString('base64');
  }
  let size = 0;
  for (const [k, v] of Object.entries(headers)) size += k.length + v.length;
  headers.header_size = String(size);
  headers.total_size = String(options.totalSize ?? synapse.total_size ?? 0);
  headers.computed_body_hash = options.bodyHash ?? bodyHash(def, fields);
  return headers;
}

export interface ParsedHeaders {
  name: string | undefined;
  timeout: number | undefined;
  header_size: number | undefined;
  total_size: number | undefined;
  computed_body_hash: string | undefined;
  dendrite: TerminalInfo;
  axon: TerminalInfo;
}

type HeaderBag = Record<string, string | string[] | undefined>;

function single(headers: HeaderBag, key: string): string | undefined {
  const v = headers[key];
  if (Array.isArray(v)) {
    if (v.length > 1) {
      throw new ProtocolError(
        ProtocolErrorCode.BadHeader,
        `header '${key}' appears more than once`,
      );
    }
    return v[0];
  }
  return v;
}

const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseIntHeader(key: string, raw: string): number {
  const t = raw.trim();
  const n = Number(t);
  if (!INT_RE.test(t) || !Number.isSafeInteger(n)) {
    throw new ProtocolError(
      ProtocolErrorCode.BadHeader,
      `header '${key}' must be an integer, got '${raw.slice(0, 64)}'`,
    );
  }
  return n;
}

function parseBigIntHeader(key: string, raw: string): bigint {
  const t = raw.trim();
  if (!INT_RE.test(t) || t.length > 40) {
    throw new ProtocolError(
      ProtocolErrorCode.BadHeader,
      `header '${key}' must be an integer, got '${raw.slice(0, 64)}'`,
    );
  }
  return BigInt(t);
}

function parseFloatHeader(key: string, raw: string): number {
  const t = raw.trim();
  const n = Number(t);
  if (!FLOAT_RE.test(t) || !Number.isFinite(n)) {
    throw new ProtocolError(
      ProtocolErrorCode.BadHeader,
      `header '${key}' must be a number, got '${raw.slice(0, 64)}'`,
    );
  }
  return n;
}

function parseTerminal(headers: HeaderBag, prefix: string): TerminalInfo {
  const info: TerminalInfo = {};
  for (const field of TERMINAL_INFO_FIELDS) {
    const key = `${prefix}${field}`;
    const raw = single(headers, key);
    if (raw === undefined) continue;
    switch (TERMINAL_INFO_KINDS[field]) {
      case 'int':
        (info as Record<string, unknown>)[field] = parseIntHeader(key, raw);
        break;
      case 'bigint':
        (info as Record<string, unknown>)[field] = parseBigIntHeader(key, raw);
        break;
      case 'float':
        (info as Record<string, unknown>)[field] = parseFloatHeader(key, raw);
        break;
      default:
        (info as Record<string, unknown>)[field] = raw;
    }
  }
  return info;
}

/** Parses synapse headers (names lowercase, as Node gives them). Throws `PROTOCOL_BAD_HEADER`. */
export function parseHeaders(headers: HeaderBag): ParsedHeaders {
  const optInt = (k: string) => {
    const raw = single(headers, k);
    return raw === undefined ? undefined : parseIntHeader(k, raw);
  };
  const timeoutRaw = single(headers, 'timeout');
  return {
    name: single(headers, 'name'),
    timeout: timeoutRaw === undefined ? undefined : parseFloatHeader('timeout', timeoutRaw),
    header_size: optInt('header_size'),
    total_size: optInt('total_size'),
    computed_body_hash: single(headers, 'computed_body_hash'),
    dendrite: parseTerminal(headers, DENDRITE_PREFIX),
    axon: parseTerminal(headers, AXON_PREFIX),
  };
}
