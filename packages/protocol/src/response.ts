/**
 * The axon's answer, as the SDK's `synapse_to_response` / `create_error_response`: the status code
 * and message go into `synapse.axon`, into the headers (`bt_header_axon_*`) and, for success, into
 * the JSON body (the whole synapse); an error body is `{"message": ...}`. The axon stamps its own
 * version, uuid and nonce and signs `{axon_nonce}.{dendrite_hotkey}.{axon_hotkey}.{axon_uuid}`.
 */
import { toBody, toJson } from './body';
import { toHeaders } from './headers';
import type { Hotkey } from './keys';
import { nextNonce, signResponse } from './signing';
import { StatusCode } from './statusCodes';
import type { Synapse, SynapseDef } from './synapse';
import { PROTOCOL_VERSION } from './version';

export interface AxonIdentity {
  hotkey: Hotkey;
  /** Stable per axon process. */
  uuid: string;
  /** Our `version_as_int`; defaults to PROTOCOL_VERSION. */
  version?: number;
  /** Sign every answer as the SDK does (default true). */
  signResponses?: boolean;
}

export interface AxonResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** HTTP header values must be visible latin-1 without CR/LF; free text is made safe here. */
const VISIBLE_ASCII = /^[\t\x20-\x7e]{0,1024}$/;

export function safeHeaderValue(value: string): string {
  // Nearly every value (numbers, hex, addresses, names) is short visible ASCII: kept as it is.
  if (VISIBLE_ASCII.test(value)) return value;
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0) as number;
    out +=
      cp === 0x09 || (cp >= 0x20 && cp <= 0x7e)
        ? ch
        : cp >= 0xa0 && cp <= 0xff
          ? ch
          : cp < 0x20 || cp === 0x7f
            ? ' '
            : '?';
  }
  return out.length > 1024 ? `${out.slice(0, 1021)}...` : out;
}

/** An answer signature made ahead (on a worker thread) for `responseMessage` with this nonce. */
export interface ResponseSignature {
  nonce: bigint;
  signature: string;
}

function stampAxon(
  id: AxonIdentity,
  synapse: Synapse,
  status: number,
  message: string,
  startedAtMs: number,
  signed?: ResponseSignature,
): void {
  const axon = synapse.axon;
  axon.status_code = status;
  axon.status_message = message;
  axon.process_time = (performance.now() - startedAtMs) / 1000;
  axon.version = id.version ?? PROTOCOL_VERSION;
  axon.uuid = id.uuid;
  axon.hotkey = id.hotkey.address;
  if (signed) {
    axon.nonce = signed.nonce;
    axon.signature = signed.signature;
  } else if (id.signResponses ?? true) {
    axon.nonce = nextNonce();
    axon.signature = signResponse(id.hotkey, {
      axonNonce: axon.nonce,
      dendriteHotkey: synapse.dendrite.hotkey ?? 'None',
      axonHotkey: id.hotkey.address,
      axonUuid: id.uuid,
    });
  }
}

function finalHeaders(
  def: SynapseDef,
  synapse: Synapse,
  totalSize: number,
): Record<string, string> {
  const headers = toHeaders(def, synapse, { totalSize });
  for (const k of Object.keys(headers)) headers[k] = safeHeaderValue(headers[k] as string);
  return headers;
}

/** A successful (or handler-chosen) answer carrying the whole synapse. */
export function buildResponse(
  id: AxonIdentity,
  def: SynapseDef,
  synapse: Synapse,
  options: { startedAtMs: number; status?: number; message?: string; signed?: ResponseSignature },
): AxonResponse {
  const status = options.status ?? StatusCode.Success;
  const message = options.message ?? (status === StatusCode.Success ? 'Success' : '');
  stampAxon(id, synapse, status, message, options.startedAtMs, options.signed);
  const body = toBody(def, synapse);
  return {
    status,
    headers: {
      ...finalHeaders(def, synapse, Buffer.byteLength(body)),
      'content-type': 'application/json',
    },
    body,
  };
}

/** An error answer: `{"message": ...}` with the synapse headers the SDK sends. */
export function buildErrorResponse(
  id: AxonIdentity,
  def: SynapseDef | undefined,
  synapse: Synapse | undefined,
  options: { startedAtMs: number; status: number; message: string; signed?: ResponseSignature },
): AxonResponse {
  const body = toJson({ message: options.message });
  const syn: Synapse = synapse ?? {
    name: def?.name ?? '',
    timeout: def?.defaultTimeout ?? 12,
    total_size: 0,
    header_size: 0,
    computed_body_hash: '',
    dendrite: {},
    axon: {},
  };
  stampAxon(id, syn, options.status, options.message, options.startedAtMs, options.signed);
  const headers = def
    ? finalHeaders({ ...def, requiredFields: [] }, syn, Buffer.byteLength(body))
    : baseHeaders(syn);
  return {
    status: options.status,
    headers: { ...headers, 'content-type': 'application/json' },
    body,
  };
}

function baseHeaders(syn: Synapse): Record<string, string> {
  const headers: Record<string, string> = {
    name: safeHeaderValue(syn.name),
    timeout: String(syn.timeout),
  };
  for (const [k, v] of Object.entries(syn.axon)) {
    if (v !== null && v !== undefined) headers[`bt_header_axon_${k}`] = safeHeaderValue(String(v));
  }
  return headers;
}

/** Head of a streamed answer (`text/event-stream`, chunked): status 200 and the synapse headers. */
export function buildStreamHead(
  id: AxonIdentity,
  def: SynapseDef,
  synapse: Synapse,
  options: { startedAtMs: number; signed?: ResponseSignature },
): { status: number; headers: Record<string, string> } {
  stampAxon(id, synapse, StatusCode.Success, 'Success', options.startedAtMs, options.signed);
  return {
    status: StatusCode.Success,
    headers: {
      ...finalHeaders(def, synapse, 0),
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
    },
  };
}
