/**
 * A small fastify axon around `verifyRequest`, for tests and the demo: the miner's real axon adds
 * blacklisting by metagraph, priority and concurrency limits on top of the same calls.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  type AxonIdentity,
  type BlacklistInfo,
  type BlacklistVerdict,
  buildErrorResponse,
  buildResponse,
  buildStreamHead,
  encodeStreamEvent,
  type Hotkey,
  NonceWindow,
  SignatureVerifier,
  type Synapse,
  type SynapseDef,
  synapseRegistry,
  verifyRequest,
} from '../../src/index';

export type Handler = (
  synapse: Synapse,
  signal: AbortSignal,
) => Promise<Record<string, unknown>> | AsyncIterable<unknown>;

export interface TestAxonOptions {
  hotkey: Hotkey;
  synapses: SynapseDef[];
  handlers: Record<string, Handler>;
  blacklist?: (info: BlacklistInfo) => BlacklistVerdict;
  bodyLimit?: number;
  host?: string;
  port?: number;
}

export interface TestAxon {
  app: FastifyInstance;
  port: number;
  host: string;
  nonces: NonceWindow;
  close(): Promise<void>;
}

export async function startTestAxon(o: TestAxonOptions): Promise<TestAxon> {
  const id: AxonIdentity = { hotkey: o.hotkey, uuid: randomUUID() };
  const nonces = new NonceWindow();
  const verifier = new SignatureVerifier();
  const synapses = synapseRegistry(o.synapses);
  const app = Fastify({ bodyLimit: o.bodyLimit ?? 1024 * 1024, logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    const res = buildErrorResponse(id, undefined, undefined, {
      startedAtMs: performance.now(),
      status,
      message: err.message,
    });
    void reply.code(res.status).headers(res.headers).send(res.body);
  });

  const handle = async (
    req: import('fastify').FastifyRequest,
    reply: import('fastify').FastifyReply,
  ) => {
    const startedAtMs = performance.now();
    const result = await verifyRequest(
      {
        path: req.url,
        headers: req.headers,
        body: typeof req.body === 'string' ? req.body : '',
        remoteIp: req.ip,
        remotePort: req.socket.remotePort,
      },
      { axonHotkey: o.hotkey.address, synapses, nonces, verifier, blacklist: o.blacklist },
    );
    if (!result.ok) {
      const res = buildErrorResponse(id, result.def, undefined, {
        startedAtMs,
        status: result.status,
        message: result.message,
      });
      return reply.code(res.status).headers(res.headers).send(res.body);
    }
    const handler = o.handlers[result.def.name];
    if (!handler) {
      const res = buildErrorResponse(id, result.def, result.synapse, {
        startedAtMs,
        status: 404,
        message: 'no handler',
      });
      return reply.code(res.status).headers(res.headers).send(res.body);
    }
    const abort = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    const out = handler(result.synapse, abort.signal);
    if (result.def.streaming && Symbol.asyncIterator in out) {
      const head = buildStreamHead(id, result.def, result.synapse, { startedAtMs });
      reply.hijack();
      reply.raw.writeHead(head.status, head.headers);
      for await (const event of out) {
        if (abort.signal.aborted) break;
        reply.raw.write(encodeStreamEvent(event));
      }
      reply.raw.end();
      return reply;
    }
    try {
      const fields = await (out as Promise<Record<string, unknown>>);
      Object.assign(result.synapse, fields);
      const res = buildResponse(id, result.def, result.synapse, { startedAtMs });
      return reply.code(res.status).headers(res.headers).send(res.body);
    } catch (e) {
      const res = buildErrorResponse(id, result.def, result.synapse, {
        startedAtMs,
        status: 500,
        message: e instanceof Error ? e.message : String(e),
      });
      return reply.code(res.status).headers(res.headers).send(res.body);
    }
  };
  app.post('/*', handle);
  app.get('/*', handle);
  const host = o.host ?? '127.0.0.1';
  await app.listen({ host, port: o.port ?? 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { app, port, host, nonces, close: () => app.close() };
}
