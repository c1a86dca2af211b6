/**
 * `handleAxonRequest` on node:http: the listener every axon of the project mounts (the miner's,
 * the test axons). It bounds the body (413 past `bodyLimit`, announced or streamed) and the bytes
 * of all bodies held at once (503 past `bodyBudget`), ties the handler's signal to the caller's
 * connection, and reports each finished request once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AxonHandlerContext,
  type AxonReply,
  disconnectSignal,
  handleAxonRequest,
  transportErrorReply,
  writeAxonReply,
} from './axonHandler';
import { routeName } from './verifyRequest';

export interface AxonRequestDone {
  synapse: string;
  status: number;
  /** Milliseconds from the first byte of the request to the end of the answer. */
  ms: number;
  /** Streams only. */
  events?: number;
  cancelled?: boolean;
}

export interface AxonListenerOptions {
  /** Largest request body in bytes. */
  bodyLimit: number;
  /**
   * Bytes of request bodies held at once, over all requests being read or handled (default 8 ×
   * `bodyLimit`). Past it a request is answered 503 at once and its connection closed: many
   * large uploads at a time cannot take the process's memory, whatever the connection count.
   */
  bodyBudget?: number;
  /** Called once per request when its answer is written (metrics, logs). Must not throw. */
  onDone?(done: AxonRequestDone, req: IncomingMessage): void;
  /** Called for a failure in the handler or the transport (the caller got a 500). */
  onError?(err: unknown, req: IncomingMessage): void;
}

/** The node:http request listener for an axon. */
export function axonRequestListener(
  ctx: AxonHandlerContext,
  options: AxonListenerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const budget = options.bodyBudget ?? 8 * options.bodyLimit;
  let held = 0;
  const refuse = (
    req: IncomingMessage,
    res: ServerResponse,
    startedAt: number,
    status: number,
    message: string,
  ) => {
    const def = ctx.synapses.get(routeName(req.url ?? '/'));
    const reply = transportErrorReply(ctx.identity, def, status, message);
    // The rest of the body is not read: the connection closes after this answer.
    res.shouldKeepAlive = false;
    void finish(req, res, reply, startedAt);
  };
  const tooLarge = (req: IncomingMessage, res: ServerResponse, startedAt: number) =>
    refuse(req, res, startedAt, 413, `request body is larger than ${options.bodyLimit} bytes`);
  const overBudget = (req: IncomingMessage, res: ServerResponse, startedAt: number) =>
    refuse(req, res, startedAt, 503, 'the axon is receiving too much at once; retry shortly');

  const finish = async (
    req: IncomingMessage,
    res: ServerResponse,
    reply: AxonReply,
    startedAt: number,
    signal?: AbortSignal,
  ) => {
    let events: number | undefined;
    let cancelled: boolean | undefined;
    try {
      const written = await writeAxonReply(res, reply, signal);
      if (reply.kind === 'stream') ({ events, cancelled } = written);
    } catch (err) {
      cancelled = true;
      options.onError?.(err, req);
      res.destroy();
    }
    const status = reply.kind === 'answer' ? reply.response.status : reply.head.status;
    options.onDone?.(
      {
        synapse: reply.synapse,
        status,
        ms: performance.now() - startedAt,
        ...(events === undefined ? {} : { events, cancelled }),
      },
      req,
    );
  };

  return (req, res) => {
    const startedAt = performance.now();
    const announced = Number(req.headers['content-length'] ?? 0);
    if (Number.isFinite(announced) && announced > options.bodyLimit) {
      tooLarge(req, res, startedAt);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    // The bytes this request holds against the budget, given back once when it ends either way.
    let counted = 0;
    const giveBack = () => {
      held -= counted;
      counted = 0;
    };
    res.once('close', giveBack);
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > options.bodyLimit || held + chunk.length > budget) {
        refused = true;
        chunks.length = 0;
        giveBack();
        if (size > options.bodyLimit) tooLarge(req, res, startedAt);
        else overBudget(req, res, startedAt);
        return;
      }
      held += chunk.length;
      counted += chunk.length;
      chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (refused) return;
      const abort = disconnectSignal(req, res);
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      handleAxonRequest(
        {
          path: req.url ?? '/',
          headers: req.headers,
          body,
          remoteIp: req.socket.remoteAddress,
          remotePort: req.socket.remotePort,
        },
        ctx,
        { startedAtMs: startedAt, signal: abort.signal },
      ).then(
        (reply) => finish(req, res, reply, startedAt, abort.signal),
        (err: unknown) => {
          options.onError?.(err, req);
          const reply = transportErrorReply(ctx.identity, undefined, 500, 'internal error');
          return finish(req, res, reply, startedAt);
        },
      );
    });
  };
}
