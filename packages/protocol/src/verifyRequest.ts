/**
 * The axon side of a call, framework-neutral: from path, headers and raw body to either a verified
 * synapse or the status code and message the SDK's axon would answer with.
 *
 * Order (cheap checks first; the nonce is recorded only once everything verified):
 *   route name (404) → headers (400) → blacklist hook (403) → body JSON and field bounds (400)
 *   → axon hotkey, nonce, body hash, signature (401) → record nonce.
 * Differences from the SDK, all stricter and all with a 4xx: a body changed after signing gets
 * 401 (the SDK answers 500), a malformed body or out-of-range field gets 400 (SDK: 500).
 */

import { parseBodyFields, parseJsonObject } from './body';
import { bodyHash } from './bodyHash';
import { ProtocolError, ProtocolErrorCode } from './errors';
import { type ParsedHeaders, parseHeaders } from './headers';
import type { NonceWindow } from './nonceWindow';
import { requestMessage } from './signing';
import { StatusCode } from './statusCodes';
import type { Synapse, SynapseDef } from './synapse';
import type { SynapseRegistry } from './synapseRegistry';
import type { TerminalInfo } from './terminalInfo';

/** Anything that checks a request signature: `SignatureVerifier` inline, or `CryptoPool` on worker threads. */
export interface SignatureCheck {
  verify(message: string, signatureHex: string, address: string): boolean | Promise<boolean>;
}

export interface AxonRequest {
  /** The URL path, `/{SynapseName}` (a query string is ignored). */
  path: string;
  /** Header names lowercase, as Node delivers them. */
  headers: Record<string, string | string[] | undefined>;
  body: string | Uint8Array;
  remoteIp?: string;
  remotePort?: number;
}

export interface BlacklistInfo {
  synapse: string;
  hotkey: string;
  ip: string | undefined;
}

export type BlacklistVerdict = { blocked: false } | { blocked: true; reason: string };

export interface VerifyContext {
  /** This axon's hotkey address; requests addressed to another hotkey are refused. */
  axonHotkey: string;
  synapses: SynapseRegistry;
  nonces: NonceWindow;
  verifier: SignatureCheck;
  blacklist?: (info: BlacklistInfo) => BlacklistVerdict | Promise<BlacklistVerdict>;
}

export type VerifyFailureCode =
  | 'INVALID_REQUEST_NAME'
  | 'UNKNOWN_SYNAPSE'
  | 'BAD_HEADERS'
  | 'BLACKLISTED'
  | 'BAD_BODY'
  | 'INVALID_SYNAPSE'
  | 'NOT_VERIFIED';

export type VerifyResult =
  | { ok: true; def: SynapseDef; synapse: Synapse; bodyHash: string }
  | {
      ok: false;
      status: number;
      code: VerifyFailureCode;
      message: string;
      /** What could be parsed, for the error response's headers. */
      def: SynapseDef | undefined;
      headers: ParsedHeaders | undefined;
    };

function fail(
  status: number,
  code: VerifyFailureCode,
  message: string,
  def?: SynapseDef,
  headers?: ParsedHeaders,
): VerifyResult {
  return { ok: false, status, code, message, def, headers };
}

export function routeName(path: string): string {
  const clean = path.split('?')[0] ?? '';
  return clean.split('/')[1] ?? '';
}

export async function verifyRequest(req: AxonRequest, ctx: VerifyContext): Promise<VerifyResult> {
  const name = routeName(req.path);
  if (!name)
    return fail(
      StatusCode.BadRequest,
      'INVALID_REQUEST_NAME',
      `Improperly formatted request path '${req.path}'`,
    );
  const def = ctx.synapses.get(name);
  if (!def) {
    return fail(
      StatusCode.NotFound,
      'UNKNOWN_SYNAPSE',
      `Synapse name '${name}' not found. Available synapses ${JSON.stringify([...ctx.synapses.keys()])}`,
    );
  }

  let headers: ParsedHeaders;
  try {
    headers = parseHeaders(req.headers);
  } catch (e) {
    const msg = e instanceof ProtocolError ? e.message : String(e);
    return fail(
      StatusCode.BadRequest,
      'BAD_HEADERS',
      `Improperly formatted request headers: ${msg}`,
      def,
    );
  }
  const d = headers.dendrite;
  if (!d.hotkey)
    return fail(
      StatusCode.Unauthorized,
      'NOT_VERIFIED',
      'Not Verified with error: Missing dendrite hotkey',
      def,
      headers,
    );

  if (ctx.blacklist) {
    const verdict = await ctx.blacklist({ synapse: name, hotkey: d.hotkey, ip: req.remoteIp });
    if (verdict.blocked) {
      return fail(
        StatusCode.Forbidden,
        'BLACKLISTED',
        `Forbidden. Key is blacklisted: ${verdict.reason}.`,
        def,
        headers,
      );
    }
  }

  let fields: Record<string, unknown>;
  try {
    fields = parseBodyFields(def, parseJsonObject(req.body));
  } catch (e) {
    if (e instanceof ProtocolError && e.code === ProtocolErrorCode.InvalidSynapse) {
      return fail(StatusCode.BadRequest, 'INVALID_SYNAPSE', e.message, def, headers);
    }
    const msg = e instanceof Error ? e.message : String(e);
    return fail(
      StatusCode.BadRequest,
      'BAD_BODY',
      `Improperly formatted request body: ${msg}`,
      def,
      headers,
    );
  }

  const notVerified = (why: string) =>
    fail(StatusCode.Unauthorized, 'NOT_VERIFIED', `Not Verified with error: ${why}`, def, headers);
  if (d.nonce === undefined || d.nonce === null) return notVerified('Missing Nonce');
  if (!d.uuid) return notVerified('Missing dendrite uuid');
  if (!d.signature) return notVerified('Missing Signature');
  const addressedTo = headers.axon.hotkey;
  if (addressedTo !== ctx.axonHotkey) {
    return notVerified(
      `request is addressed to axon hotkey ${addressedTo ?? '(none)'}, this axon is ${ctx.axonHotkey}`,
    );
  }
  const nonceCheck = {
    dendriteHotkey: d.hotkey,
    uuid: d.uuid,
    nonce: d.nonce,
    version: d.version ?? undefined,
    timeoutS: headers.timeout,
  };
  const verdict = ctx.nonces.check(nonceCheck);
  if (!verdict.ok) return notVerified(verdict.reason);

  const computed = bodyHash(def, fields);
  const claimed = headers.computed_body_hash ?? '';
  if (computed !== claimed) {
    return notVerified(
      `Hash mismatch between header body hash ${claimed} and parsed body hash ${computed}`,
    );
  }
  const message = requestMessage({
    nonce: d.nonce,
    dendriteHotkey: d.hotkey,
    axonHotkey: ctx.axonHotkey,
    uuid: d.uuid,
    bodyHash: claimed,
  });
  if (!(await ctx.verifier.verify(message, d.signature, d.hotkey))) {
    return notVerified(`Signature mismatch with ${message} and ${d.signature}`);
  }
  // The signature may have been checked on another thread: a replay of this request that passed
  // the first nonce check meanwhile is refused here, where check and commit run with no await
  // between them, so of any number of concurrent copies exactly one is accepted.
  const still = ctx.nonces.check(nonceCheck);
  if (!still.ok) return notVerified(still.reason);
  ctx.nonces.commit(nonceCheck);

  const dendrite: TerminalInfo = { ...d };
  if (req.remoteIp !== undefined) dendrite.ip = req.remoteIp;
  if (req.remotePort !== undefined) dendrite.port = req.remotePort;
  const synapse: Synapse = {
    ...fields,
    name: def.name,
    timeout: headers.timeout ?? def.defaultTimeout,
    total_size: headers.total_size ?? 0,
    header_size: headers.header_size ?? 0,
    computed_body_hash: claimed,
    dendrite,
    axon: { ...headers.axon },
  };
  return { ok: true, def, synapse, bodyHash: computed };
}
