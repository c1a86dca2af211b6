/**
 * Synapse ↔ JSON body, as the SDK's `model_dump()` and pydantic parsing. Nonces are bigints and are
 * written as bare JSON integers. Incoming bodies give only the synapse's own fields: the caller's
 * TerminalInfo comes from the headers (exact nonces; a JSON number loses precision past 2^53).
 */
import { randomBytes } from 'node:crypto';
import { ProtocolError, ProtocolErrorCode } from './errors';
import { ownFields, parseSynapseFields, type SynapseBase, type SynapseDef } from './synapse';
import { TERMINAL_INFO_FIELDS, type TerminalInfo } from './terminalInfo';

/**
 * Bigints leave the replacer as strings carrying this per-process random mark and are turned back
 * into bare integers after `JSON.stringify`. The mark starts with U+0001, which `JSON.stringify`
 * always escapes: a string from a peer can only produce the same text by knowing the mark.
 */
const BIGINT_MARK_HEX = randomBytes(16).toString('hex');
const BIGINT_MARK = `\u0001${BIGINT_MARK_HEX}:`;
const BIGINT_MARKED = new RegExp(`"\\\\u0001${BIGINT_MARK_HEX}:(-?\\d+)"`, 'g');

function jsonReplacer(_key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'bigint':
      return BIGINT_MARK + value.toString();
    case 'undefined':
      return null;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new ProtocolError(ProtocolErrorCode.NotSerializable, `cannot send ${value} in JSON`);
      }
      return value;
    case 'function':
    case 'symbol':
      throw new ProtocolError(
        ProtocolErrorCode.NotSerializable,
        `cannot send a ${typeof value} in JSON`,
      );
    default:
      if (value instanceof Map) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of value) out[String(k)] = v;
        return out;
      }
      return value;
  }
}

/** JSON text of a value, with bigints as integers and `undefined` as null. */
export function toJson(value: unknown): string {
  const text = JSON.stringify(value, jsonReplacer) as string | undefined;
  if (text === undefined) return 'null';
  return text.includes(BIGINT_MARK_HEX) ? text.replace(BIGINT_MARKED, '$1') : text;
}

function fullTerminal(info: TerminalInfo | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of TERMINAL_INFO_FIELDS) out[f] = info?.[f] ?? null;
  return out;
}

/** The JSON body the SDK's dendrite and axon send: every base field, then every own field. */
export function toBody(def: SynapseDef, synapse: SynapseBase): string {
  return toJson({
    name: synapse.name || def.name,
    timeout: synapse.timeout,
    total_size: synapse.total_size,
    header_size: synapse.header_size,
    dendrite: fullTerminal(synapse.dendrite),
    axon: fullTerminal(synapse.axon),
    computed_body_hash: synapse.computed_body_hash,
    ...ownFields(def, synapse),
  });
}

/** Parses a JSON body text into an object, or throws `PROTOCOL_BAD_BODY`. */
export function parseJsonObject(raw: string | Uint8Array): Record<string, unknown> {
  const text = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ProtocolError(ProtocolErrorCode.BadBody, 'body is not valid JSON', { cause });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ProtocolError(ProtocolErrorCode.BadBody, 'body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** A body's own synapse fields, validated (`PROTOCOL_INVALID_SYNAPSE` on a bad field). */
export function parseBodyFields(
  def: SynapseDef,
  body: Record<string, unknown>,
): Record<string, unknown> {
  const own: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(def.schema.shape)) {
    const v = body[key];
    if (v === undefined) continue;
    // pydantic reads an explicit null for a field with a default like an absent one
    const t = (schema as unknown as { def: { type: string } }).def.type;
    if (v === null && (t === 'optional' || t === 'default')) continue;
    own[key] = v;
  }
  return parseSynapseFields(def, own) as Record<string, unknown>;
}

/** TerminalInfo from a body (lossy for nonces beyond 2^53; headers take precedence). */
export function terminalFromBody(value: unknown): TerminalInfo {
  if (value === null || typeof value !== 'object') return {};
  const src = value as Record<string, unknown>;
  const info: Record<string, unknown> = {};
  for (const f of TERMINAL_INFO_FIELDS) {
    const v = src[f];
    if (v === null || v === undefined) continue;
    if (f === 'nonce') {
      if (typeof v === 'number' && Number.isSafeInteger(v)) info[f] = BigInt(v);
      continue;
    }
    if (
      f === 'status_message' ||
      f === 'ip' ||
      f === 'uuid' ||
      f === 'hotkey' ||
      f === 'signature'
    ) {
      if (typeof v === 'string') info[f] = v;
      continue;
    }
    if (typeof v === 'number' && Number.isFinite(v)) info[f] = v;
    else if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)))
      info[f] = Number(v);
  }
  return info as TerminalInfo;
}
