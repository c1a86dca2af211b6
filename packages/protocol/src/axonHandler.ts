/**
 * The axon's request path, framework-neutral and written once: every axon of the project (the
 * miner's, the test axons, the demo) hands each request to `handleAxonRequest` and writes back the
 * reply it gets, through `writeAxonReply` on node:http or its own framework.
 *
 *   verifyRequest (404 route, 400 headers, 403 blacklist, 400 body, 401 nonce/hash/signature)
 *   → `serve` (the axon's own policy and work: answer fields, a stream of events, or a refusal)
 *   → the signed answer as the SDK's axon writes it.
 *
 * A `serve` that throws answers with the error's `status` when it carries a 4xx/5xx one, else 500;
 * its message goes to the caller, so `serve` must not throw secrets.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AxonIdentity,
  type AxonResponse,
  buildErrorResponse,
  buildResponse,
  buildStreamHead,
  type ResponseSignature,
} from './response';
import { nextNonce, responseMessage } from './signing';
import { StatusCode } from './statusCodes';
import { encodeStreamEvent } from './streamEvents';
import type { SynapseDef } from './synapse';
import {
  type AxonRequest,
  type VerifyContext,
  type VerifyResult,
  verifyRequest,
} from './verifyRequest';

export type VerifiedCall = Extract<VerifyResult, { ok: true }>;
export type RefusedCall = Extract<VerifyResult, { ok: false }>;

export interface ServeContext {
  /** `performance.now()` when the request arrived; process times and deadlines count from it. */
  startedAtMs: number;
  /** Aborted when the caller goes away (and whatever else the transport adds). */
  signal: AbortSignal;
}

export type ServeOutcome =
  /** Merged into the synapse and answered 200 with the whole synapse. */
  | { fields: Record<string, unknown> }
  /** A streamed answer (the synapse must be a streaming one): each value is one event. */
  | { events: AsyncIterable<unknown> }
  /** The axon will not run it: the status (4xx/5xx) and the message the caller gets. */
  | { status: number; message: string };

export interface AxonHandlerContext extends VerifyContext {
  identity: AxonIdentity;
  /**
   * Signs answers off this thread (a `CryptoPool` with the axon's hotkey); without it the
   * identity's hotkey signs inline. Either way the answer is the same.
   */
  signer?: { sign(message: string): Promise<string> };
  serve(call: VerifiedCall, ctx: ServeContext): ServeOutcome | Promise<ServeOutcome>;
  /** Told of every refused request (for logs and metrics; it must not throw). */
  onRefused?(refused: RefusedCall, req: AxonRequest): void;
}

export type AxonReply =
  | { kind: 'answer'; synapse: string; response: AxonResponse }
  | {
      kind: 'stream';
      synapse: string;
      head: { status: number; headers: Record<string, string> };
      events: AsyncIterable<unknown>;
    };

export interface HandleOptions {
  startedAtMs?: number;
  /** The transport's signal: aborted when the caller disconnects. */
  signal?: AbortSignal;
}

function statusOf(e: unknown): number {
  const s = (e as { status?: unknown } | null)?.status;
  return typeof s === 'number' && Number.isInteger(s) && s >= 400 && s < 600
    ? s
    : StatusCode.InternalError;
}

function answer(synapse: string, response: AxonResponse): AxonReply {
  return { kind: 'answer', synapse, response };
}

export async function handleAxonRequest(
  req: AxonRequest,
  ctx: AxonHandlerContext,
  options: HandleOptions = {},
): Promise<AxonReply> {
  const startedAtMs = options.startedAtMs ?? performance.now();
  const verified = await verifyRequest(req, ctx);
  if (!verified.ok) {
    ctx.onRefused?.(verified, req);
    // A refused request's answer names no dendrite (as the SDK's error answers).
    const signed = await signAnswer(ctx, 'None');
    return answer(
      verified.def?.name ?? 'unknown',
      buildErrorResponse(ctx.identity, verified.def, undefined, {
        startedAtMs,
        status: verified.status,
        message: verified.message,
        signed,
      }),
    );
  }
  const { def, synapse } = verified;
  const dendriteHotkey = synapse.dendrite.hotkey ?? 'None';
  const refuse = async (status: number, message: string) =>
    answer(
      def.name,
      buildErrorResponse(ctx.identity, def, synapse, {
        startedAtMs,
        status,
        message,
        signed: await signAnswer(ctx, dendriteHotkey),
      }),
    );
  let outcome: ServeOutcome;
  try {
    outcome = await ctx.serve(verified, {
      startedAtMs,
      signal: options.signal ?? new AbortController().signal,
    });
  } catch (e) {
    return refuse(statusOf(e), e instanceof Error ? e.message : String(e));
  }
  if ('status' in outcome) return refuse(outcome.status, outcome.message);
  if ('events' in outcome) {
    if (!def.streaming) return refuse(StatusCode.InternalError, `${def.name} does not stream`);
    const signed = await signAnswer(ctx, dendriteHotkey);
    return {
      kind: 'stream',
      synapse: def.name,
      head: buildStreamHead(ctx.identity, def, synapse, { startedAtMs, signed }),
      events: outcome.events,
    };
  }
  Object.assign(synapse, outcome.fields);
  const signed = await signAnswer(ctx, dendriteHotkey);
  return answer(def.name, buildResponse(ctx.identity, def, synapse, { startedAtMs, signed }));
}

/** The answer's nonce and signature from `ctx.signer`, or undefined to sign inline. */
async function signAnswer(
  ctx: AxonHandlerContext,
  dendriteHotkey: string,
): Promise<ResponseSignature | undefined> {
  if (!ctx.signer || ctx.identity.signResponses === false) return undefined;
  const nonce = nextNonce();
  const message = responseMessage({
    axonNonce: nonce,
    dendriteHotkey,
    axonHotkey: ctx.identity.hotkey.address,
    axonUuid: ctx.identity.uuid,
  });
  return { nonce, signature: await ctx.signer.sign(message) };
}

/** The error answer for a request refused before it reached the handler (413, a timeout, …). */
export function transportErrorReply(
  identity: AxonIdentity,
  def: SynapseDef | undefined,
  status: number,
  message: string,
): AxonReply {
  return answer(
    def?.name ?? 'unknown',
    buildErrorResponse(identity, def, undefined, {
      startedAtMs: performance.now(),
      status,
      message,
    }),
  );
}

export interface WriteResult {
  /** Events written (streams). */
  events: number;
  /** The stream ended early: the caller went away or the signal was aborted. */
  cancelled: boolean;
}

/**
 * Writes a reply to a node:http response. A stream waits for the socket to drain between events
 * (a slow reader holds one event in memory, never the whole answer) and stops when `signal` aborts.
 */
export async function writeAxonReply(
  res: ServerResponse,
  reply: AxonReply,
  signal?: AbortSignal,
): Promise<WriteResult> {
  if (reply.kind === 'answer') {
    // One buffer with its length: the head and the body leave in one write, without chunking.
    const body = Buffer.from(reply.response.body, 'utf8');
    res.writeHead(reply.response.status, {
      ...reply.response.headers,
      'content-length': String(body.length),
    });
    res.end(body);
    return { events: 0, cancelled: false };
  }
  res.writeHead(reply.head.status, reply.head.headers);
  let events = 0;
  let cancelled = false;
  const iterator = reply.events[Symbol.asyncIterator]();
  let failed = true;
  try {
    for (;;) {
      if (signal?.aborted || res.destroyed) {
        cancelled = true;
        break;
      }
      const next = await iterator.next();
      if (next.done) break;
      if (signal?.aborted || res.destroyed) {
        cancelled = true;
        break;
      }
      events++;
      if (!res.write(encodeStreamEvent(next.value))) await drained(res, signal);
    }
    failed = false;
  } finally {
    if (cancelled) await iterator.return?.();
    // A stream that failed part-way is cut, not ended: a clean end of the chunked body would hand
    // the caller the events so far as if they were the whole answer.
    if (failed) res.destroy();
    else res.end();
  }
  return { events, cancelled };
}

function drained(res: ServerResponse, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** An AbortSignal that fires when the caller closes the connection before the answer finished. */
export function disconnectSignal(req: IncomingMessage, res: ServerResponse): AbortController {
  const abort = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) abort.abort(new Error('caller disconnected'));
  };
  res.on('close', onClose);
  req.on('aborted', onClose);
  return abort;
}
