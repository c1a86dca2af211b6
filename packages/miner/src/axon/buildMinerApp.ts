/**
 * The miner's axon on node:http (built here, started by the daemon): every synapse request goes
 * through the protocol's one request path (`axonRequestListener`), plus `GET /healthz` and
 * `GET /metrics`.
 *
 * A request goes: verifyRequest (headers 400, blacklist 403 from the metagraph, body and bounds 400,
 * nonce/hash/signature 401) → Capacity is answered at once → admission (concurrency per task and
 * per validator, priority by stake; 429 when full) → the task handler, cancelled when the validator
 * disconnects or the synapse's timeout passes → the signed answer (JSON, or an event stream).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AxonIdentity,
  axonRequestListener,
  BatchingVerifier,
  type CryptoPool,
  type Hotkey,
  NonceWindow,
  type NonceWindowOptions,
  type ServeContext,
  type ServeOutcome,
  SignatureVerifier,
  StatusCode,
  type SynapseDef,
  synapseRegistry,
  type VerifiedCall,
} from '@subnet/protocol';
import { Capacity } from '@subnet/protocol/tasks';
import type { Logger } from 'pino';
import { MinerError, MinerErrorCode } from '../errors';
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
  /**
   * Worker threads for signature checks and answer signatures (built with this hotkey as its
   * signer); without it both run on the axon's thread. The caller owns it and closes it.
   */
  crypto?: CryptoPool;
  /** Longest time to receive a whole request, headers and body (default 120 s). */
  requestTimeoutMs?: number;
}

/** The axon's HTTP server, with the listen/close shape the daemon and tests use. */
export interface AxonServer {
  readonly server: Server;
  /** Resolves with the address it listens on, e.g. `http://127.0.0.1:8091`. */
  listen(options: { host: string; port: number }): Promise<string>;
  /** Stops accepting, ends idle keep-alive connections, and resolves when every request ended. */
  close(): Promise<void>;
}

export interface MinerApp {
  app: AxonServer;
  metrics: MinerMetrics;
  admission: AdmissionGate;
  /** Which sr25519 build checks signatures (`native` or `wasm`), for the start-up log. */
  signatureBackend: string;
  /** Refuse new requests (503) and wait for the ones in flight, then close. */
  drain(): Promise<void>;
}

const JSON_HEAD = { 'content-type': 'application/json' };

export function buildMinerApp(deps: MinerAppDeps): MinerApp {
  if (deps.crypto && deps.crypto.signerAddress !== deps.hotkey.address) {
    throw new MinerError(
      MinerErrorCode.ConfigInvalid,
      `the crypto pool signs for ${deps.crypto.signerAddress ?? 'no hotkey'}, the axon is ${deps.hotkey.address}`,
    );
  }
  const metrics = deps.metrics ?? new MinerMetrics();
  const identity: AxonIdentity = { hotkey: deps.hotkey, uuid: randomUUID() };
  const admission = new AdmissionGate(deps.admission);
  const byName = new Map(deps.served.map((s) => [s.def.name, s]));
  const servedCapacity = Object.fromEntries(deps.served.map((s) => [s.def.name, s.capacity]));
  let draining = false;
  let nextReqId = 0;
  const startedAt = Date.now();
  const debug = () => deps.logger.isLevelEnabled('debug');

  const serve = async (call: VerifiedCall, ctx: ServeContext): Promise<ServeOutcome> => {
    const { def, synapse } = call;
    const caller = synapse.dendrite.hotkey as string;
    const metagraph = deps.metagraph.current;
    if (def.name === Capacity.name) {
      return { fields: { capacities: capacityFor(servedCapacity, metagraph, caller) } };
    }
    const served = byName.get(def.name);
    if (draining) return { status: StatusCode.Unavailable, message: 'miner is shutting down' };
    if (!served) return { status: StatusCode.NotFound, message: `${def.name} is not served` };

    const reqId = `${identity.uuid.slice(0, 8)}-${++nextReqId}`;
    const log = deps.logger.child({ reqId, synapse: def.name, caller });
    const deadlineMs = ctx.startedAtMs + synapse.timeout * 1000;
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new Error('synapse timeout passed')),
      Math.max(0, deadlineMs - performance.now()),
    );
    const signal = AbortSignal.any([ctx.signal, timeout.signal]);
    let release: Release | undefined;
    let handedOver = false;
    try {
      const stake = metagraph.byHotkey(caller)?.stake ?? 0;
      release = await admission.admit({
        task: def.name,
        hotkey: caller,
        priority: stake,
        deadlineMs,
        signal,
      });
      const out = served.handler(synapse, { signal, log });
      if (def.streaming && Symbol.asyncIterator in out) {
        handedOver = true;
        return { events: streamed(out, signal, log, ctx.startedAtMs, release, timer) };
      }
      const fields = await (out as Promise<Record<string, unknown>>);
      log.info({ ms: Math.round(performance.now() - ctx.startedAtMs) }, 'answered');
      return { fields };
    } catch (e) {
      const status = e instanceof MinerError ? e.status : StatusCode.InternalError;
      const message = e instanceof Error ? e.message : String(e);
      if (status >= 500) log.error({ err: e }, 'task failed');
      else log.info({ status, reason: message }, 'not run');
      return { status, message };
    } finally {
      if (!handedOver) {
        clearTimeout(timer);
        release?.();
      }
    }
  };

  /** The handler's events, holding the admission slot until the last one is written. */
  async function* streamed(
    events: AsyncIterable<unknown>,
    signal: AbortSignal,
    log: Logger,
    startedAtMs: number,
    release: Release,
    timer: NodeJS.Timeout,
  ): AsyncGenerator<unknown> {
    let count = 0;
    try {
      for await (const event of events) {
        if (signal.aborted) break;
        count++;
        yield event;
      }
    } catch (e) {
      log.error({ err: e, events: count }, 'task failed while streaming');
    } finally {
      clearTimeout(timer);
      release();
      log.info(
        {
          events: count,
          ms: Math.round(performance.now() - startedAtMs),
          cancelled: signal.aborted,
        },
        'streamed',
      );
    }
  }

  const verifier = deps.crypto ?? new BatchingVerifier(new SignatureVerifier());
  const listener = axonRequestListener(
    {
      identity,
      axonHotkey: deps.hotkey.address,
      synapses: synapseRegistry([...deps.served.map((s) => s.def), Capacity]),
      nonces: new NonceWindow(deps.nonces),
      verifier,
      ...(deps.crypto ? { signer: deps.crypto } : {}),
      blacklist: ({ hotkey }) => checkAccess(deps.access, deps.metagraph.current, hotkey),
      serve,
      onRefused: (refused) => {
        if (debug())
          deps.logger.debug(
            { status: refused.status, code: refused.code, reason: refused.message },
            'refused',
          );
      },
    },
    {
      bodyLimit: deps.bodyLimit ?? 24 * 1024 * 1024,
      onDone: (done) => {
        metrics.requests.inc({ synapse: done.synapse, code: String(done.status) });
        metrics.latency.observe({ synapse: done.synapse }, done.ms / 1000);
      },
      onError: (err) => deps.logger.error({ err }, 'axon error'),
    },
  );

  const health = () => ({
    status: draining ? 'draining' : 'ok',
    hotkey: deps.hotkey.address,
    netuid: deps.metagraph.current.netuid,
    metagraph_block: deps.metagraph.current.block,
    uptime_s: Math.round((Date.now() - startedAt) / 1000),
    tasks: admission.snapshot(),
  });
  const metricsText = async (res: ServerResponse) => {
    for (const s of admission.snapshot()) {
      metrics.queueDepth.set({ synapse: s.task }, s.waiting);
      metrics.inFlight.set({ synapse: s.task }, s.running);
    }
    const text = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
  };

  let inFlight = 0;
  let idle: (() => void) | undefined;
  const server = createServer({ requestTimeout: deps.requestTimeoutMs ?? 120_000 }, (req, res) => {
    if (req.method === 'GET' && (req.url === '/healthz' || req.url === '/metrics')) {
      if (req.url === '/healthz') res.writeHead(200, JSON_HEAD).end(JSON.stringify(health()));
      else
        metricsText(res).catch((err: unknown) => {
          deps.logger.error({ err }, 'metrics failed');
          res.destroy();
        });
      return;
    }
    inFlight++;
    res.on('close', () => {
      if (--inFlight === 0) idle?.();
    });
    listener(req, res);
  });

  const app: AxonServer = {
    server,
    listen: ({ host, port }) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const a = server.address() as AddressInfo;
          resolve(`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
        });
      }),
    close: async () => {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
      server.closeAllConnections();
      await closed;
    },
  };

  return {
    app,
    metrics,
    admission,
    signatureBackend: verifier.backend,
    drain: async () => {
      draining = true;
      await app.close();
    },
  };
}
