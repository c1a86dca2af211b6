/**
 * The miner's axon as a fastify app (built here, started by the daemon): one route per served
 * synapse (path = synapse name) plus Capacity, `/healthz` and `/metrics`.
 *
 * A request goes: verifyRequest (headers 400, blacklist 403 from the metagraph, body and bounds 400,
 * nonce/hash/signature 401) → Capacity is answered at once → admission (concurrency per task and
 * per validator, priority by stake; 429 when full) → the task handler, cancelled when the validator
 * disconnects or the synapse's timeout passes → the signed answer (JSON, or an event stream).
 */
import { randomUUID } from 'node:crypto';
import {
  type AxonIdentity,
  buildErrorResponse,
  buildResponse,
  buildStreamHead,
  encodeStreamEvent,
  type Hotkey,
  NonceWindow,
  type NonceWindowOptions,
  SignatureVerifier,
  StatusCode,
  type SynapseDef,
  synapseRegistry,
  verifyRequest,
} from '@subnet/protocol';
import { Capacity } from '@subnet/protocol/tasks';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import { MinerError } from '../errors';
import { MinerMetrics } from '../metrics/minerMetrics';
import { type AccessPolicyConfig, checkAccess } from './accessPolicy';
import { type AdmissionConfig, AdmissionGate, type Release } from './admission';
import { capacityFor, type ServedTask } from './capacity';
import type { MetagraphHolder } from './metagraphView';
import type { TaskHandler } from './taskHandler';

export interface ServedSynapse {
  def: SynapseDef;
  handler: TaskHandler;
  capacity: ServedTask;
}

export interface MinerAppDeps {
  hotkey: Hotkey;
  metagraph: MetagraphHolder;
  served: readonly ServedSynapse[];
  access: AccessPolicyConfig;
  admission: AdmissionConfig;
  logger: Logger;
  /** Largest request body in bytes (default 24 MiB: two 8 MiB images in base64 and the rest). */
  bodyLimit?: number;
  nonces?: NonceWindowOptions;
  metrics?: MinerMetrics;
}

export interface MinerApp {
  app: FastifyInstance;
  metrics: MinerMetrics;
  admission: AdmissionGate;
  /** Refuse new requests (503) and wait for the ones in flight, then close. */
  drain(): Promise<void>;
}

export function buildMinerApp(deps: MinerAppDeps): MinerApp {
  const metrics = deps.metrics ?? new MinerMetrics();
  const identity: AxonIdentity = { hotkey: deps.hotkey, uuid: randomUUID() };
  const nonces = new NonceWindow(deps.nonces);
  const verifier = new SignatureVerifier();
  const admission = new AdmissionGate(deps.admission);
  const byName = new Map(deps.served.map((s) => [s.def.name, s]));
  const registry = synapseRegistry([...deps.served.map((s) => s.def), Capacity]);
  const servedCapacity = Object.fromEntries(deps.served.map((s) => [s.def.name, s.capacity]));
  let draining = false;
  const startedAt = Date.now();

  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? 24 * 1024 * 1024,
    genReqId: () => randomUUID(),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const send = (
    reply: FastifyReply,
    name: string,
    res: { status: number; headers: Record<string, string>; body: string },
    t0: number,
  ) => {
    metrics.requests.inc({ synapse: name, code: String(res.status) });
    metrics.latency.observe({ synapse: name }, (performance.now() - t0) / 1000);
    return reply.code(res.status).headers(res.headers).send(res.body);
  };

  app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
    const status =
      err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) deps.logger.error({ err, reqId: req.id }, 'axon error');
    const res = buildErrorResponse(identity, undefined, undefined, {
      startedAtMs: performance.now(),
      status,
      message: err.message,
    });
    return send(reply, 'unknown', res, performance.now());
  });

  app.get('/healthz', { logLevel: 'warn' }, async () => ({
    status: draining ? 'draining' : 'ok',
    hotkey: deps.hotkey.address,
    netuid: deps.metagraph.current.netuid,
    metagraph_block: deps.metagraph.current.block,
    uptime_s: Math.round((Date.now() - startedAt) / 1000),
    tasks: admission.snapshot(),
  }));

  app.get('/metrics', { logLevel: 'warn' }, async (_req, reply) => {
    for (const s of admission.snapshot()) {
      metrics.queueDepth.set({ synapse: s.task }, s.waiting);
      metrics.inFlight.set({ synapse: s.task }, s.running);
    }
    return reply
      .header('content-type', metrics.registry.contentType)
      .send(await metrics.registry.metrics());
  });

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const t0 = performance.now();
    const metagraph = deps.metagraph.current;
    const verified = await verifyRequest(
      {
        path: req.url,
        headers: req.headers,
        body: typeof req.body === 'string' ? req.body : '',
        remoteIp: req.ip,
        remotePort: req.socket.remotePort,
      },
      {
        axonHotkey: deps.hotkey.address,
        synapses: registry,
        nonces,
        verifier,
        blacklist: ({ hotkey }) => checkAccess(deps.access, metagraph, hotkey),
      },
    );
    if (!verified.ok) {
      req.log.debug(
        { status: verified.status, code: verified.code, reason: verified.message },
        'refused',
      );
      const res = buildErrorResponse(identity, verified.def, undefined, {
        startedAtMs: t0,
        status: verified.status,
        message: verified.message,
      });
      return send(reply, verified.def?.name ?? 'unknown', res, t0);
    }
    const { def, synapse } = verified;
    const caller = synapse.dendrite.hotkey as string;
    const log = deps.logger.child({ reqId: req.id, synapse: def.name, caller });

    if (def.name === Capacity.name) {
      synapse.capacities = capacityFor(servedCapacity, metagraph, caller);
      return send(reply, def.name, buildResponse(identity, def, synapse, { startedAtMs: t0 }), t0);
    }
    const served = byName.get(def.name);
    if (!served || draining) {
      const status = draining ? StatusCode.Unavailable : StatusCode.NotFound;
      const message = draining ? 'miner is shutting down' : `${def.name} is not served`;
      return send(
        reply,
        def.name,
        buildErrorResponse(identity, def, synapse, { startedAtMs: t0, status, message }),
        t0,
      );
    }

    const abort = new AbortController();
    const deadlineMs = t0 + synapse.timeout * 1000;
    const timer = setTimeout(
      () => abort.abort(new Error('synapse timeout passed')),
      Math.max(0, deadlineMs - performance.now()),
    );
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) abort.abort(new Error('validator disconnected'));
    });
    let release: Release | undefined;
    try {
      const stake = metagraph.byHotkey(caller)?.stake ?? 0;
      release = await admission.admit({
        task: def.name,
        hotkey: caller,
        priority: stake,
        deadlineMs,
        signal: abort.signal,
      });
      const out = served.handler(synapse, { signal: abort.signal, log });
      if (
        def.streaming &&
        typeof (out as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
      ) {
        const head = buildStreamHead(identity, def, synapse, { startedAtMs: t0 });
        reply.hijack();
        reply.raw.writeHead(head.status, head.headers);
        let events = 0;
        for await (const event of out as AsyncIterable<unknown>) {
          if (abort.signal.aborted) break;
          reply.raw.write(encodeStreamEvent(event));
          events++;
        }
        reply.raw.end();
        metrics.requests.inc({ synapse: def.name, code: '200' });
        metrics.latency.observe({ synapse: def.name }, (performance.now() - t0) / 1000);
        log.info(
          { events, ms: Math.round(performance.now() - t0), cancelled: abort.signal.aborted },
          'streamed',
        );
        return reply;
      }
      Object.assign(synapse, await (out as Promise<Record<string, unknown>>));
      const res = buildResponse(identity, def, synapse, { startedAtMs: t0 });
      log.info({ ms: Math.round(performance.now() - t0) }, 'answered');
      return send(reply, def.name, res, t0);
    } catch (e) {
      const status = e instanceof MinerError ? e.status : StatusCode.InternalError;
      const message = e instanceof Error ? e.message : String(e);
      if (status >= 500) log.error({ err: e }, 'task failed');
      else log.info({ status, reason: message }, 'not run');
      if (reply.sent || reply.raw.headersSent) {
        reply.raw.end();
        return reply;
      }
      return send(
        reply,
        def.name,
        buildErrorResponse(identity, def, synapse, { startedAtMs: t0, status, message }),
        t0,
      );
    } finally {
      clearTimeout(timer);
      release?.();
    }
  };
  // fastify's own per-request lines are off (warn); the handler logs one line per answer instead.
  app.post('/*', { logLevel: 'warn' }, handle);
  app.get('/*', { logLevel: 'warn' }, handle);

  return {
    app,
    metrics,
    admission,
    drain: async () => {
      draining = true;
      await app.close();
    },
  };
}
