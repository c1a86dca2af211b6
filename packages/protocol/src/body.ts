/**
 * Synapse ↔ JSON body, as the SDK's `model_dump()` and pydantic parsing. Nonces are bigints and are
 * written as bare JSON integers. Incoming bodies give only the synapse's own fields: the caller's
 * TerminalInfo comes from the headers (exact nonces; a JSON number loses precision past 2^53).
 */
import { ProtocolError, ProtocolErrorCode } from './errors';
import { ownFields, parseSynapseFields, type SynapseBase, type SynapseDef } from './synapse';
import { TERMINAL_INFO_FIELDS, type TerminalInfo } from './terminalInfo';

/** JSON text of a value, with bigints as integers and `undefined` as null. */
export function toJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new ProtocolError(ProtocolErrorCode.NotSerializable, `cannot send ${value} in JSON`);
    }
    return JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value instanceof Map) {
    return `{${[...value.entries()].map(([k, v]) => `${JSON.stringify(String(k))}:${toJson(v)}`).join(',')}}`;
  }
  if (typeof value === 'object') {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      parts.push(`${JSON.stringify(k)}:${toJson(v)}`);
    }
    return `{${parts.join(',')}}`;
  }
  throw new ProtocolError(
    ProtocolErrorCode.NotSerializable,
    `cannot send a ${typeof value} in JSON`,
  );
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
