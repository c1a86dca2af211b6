/**
 * Adds observability to the validator's HTTP server (the organic API's fastify app): every request
 * counted by route and status code with its latency (429s also as rate-limited), `/metrics` in
 * Prometheus text format with storage gauges read at scrape time, `/healthz` (200 when healthy,
 * 503 naming the failing part), and the status page at `/status` with its data at `/status.json`.
 * Requests are counted when their response closes, so streamed (hijacked) ones count too; probes
 * of `/metrics` and `/healthz` are not counted.
 */
import type { FastifyInstance, FastifyReply, LogLevel } from 'fastify';
import { collectStorageGauges } from './collectStorageGauges';
import { readHealth } from './readHealth';
import { type ReadStatusOptions, readStatus } from './readStatus';
import { renderStatusPage } from './renderStatusPage';
import type { StatusSource } from './statusSource';
import { ValidatorMetrics } from './validatorMetrics';

export interface ObservabilityOptions extends StatusSource, ReadStatusOptions {
  /** The metrics to move (default: a new registry). */
  metrics?: ValidatorMetrics;
  /** `/healthz` fails with `chain` when the newest metagraph is older (default 10 minutes). */
  metagraphStaleMs?: number;
  /** The status page reloads itself every this many seconds (default 30; 0 for never). */
  refreshSeconds?: number;
}

const NOT_COUNTED: ReadonlySet<string> = new Set(['/metrics', '/healthz']);

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // The page has no scripts and no external assets; the browser is told so.
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

function storageDown(reply: FastifyReply, err: unknown, html: boolean): FastifyReply {
  reply.log.warn({ err }, 'status not read: storage did not answer');
  const message = 'storage cannot be queried; see /healthz and the validator log';
  if (html) {
    return reply
      .code(503)
      .headers(PAGE_HEADERS)
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Validator status</title></head><body><h1>Validator status</h1><p id="failing">${message}</p></body></html>`,
      );
  }
  return reply.code(503).send({ error: { message, failing: ['storage'] } });
}

export function addObservability(
  app: FastifyInstance,
  options: ObservabilityOptions,
): ValidatorMetrics {
  const metrics = options.metrics ?? new ValidatorMetrics();
  const startedMs = (options.now ?? Date.now)();
  const statusOptions: ReadStatusOptions = {
    ...(options.resultsPerMiner === undefined ? {} : { resultsPerMiner: options.resultsPerMiner }),
    ...(options.weightsHistory === undefined ? {} : { weightsHistory: options.weightsHistory }),
  };

  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (NOT_COUNTED.has(route)) {
      done();
      return;
    }
    const t0 = performance.now();
    reply.raw.once('close', () => {
      const finished = reply.raw.writableFinished;
      const code = finished ? String(reply.raw.statusCode) : 'aborted';
      metrics.requests.inc({ route, code });
      metrics.latency.observe({ route }, (performance.now() - t0) / 1000);
      if (finished && reply.raw.statusCode === 429) metrics.rateLimited.inc({ route });
    });
    done();
  });

  // Probes log warnings only (not every scrape), unless the server logs less than that already.
  const quieter: readonly string[] = ['error', 'fatal', 'silent'];
  const probeLevel: LogLevel = quieter.includes(app.log.level)
    ? (app.log.level as LogLevel)
    : 'warn';
  app.get('/metrics', { logLevel: probeLevel }, async (request, reply) => {
    await collectStorageGauges(metrics, options, request.log);
    return reply
      .header('content-type', metrics.registry.contentType)
      .send(await metrics.registry.metrics());
  });

  app.get('/healthz', { logLevel: probeLevel }, async (request, reply) => {
    const health = await readHealth(options, {
      startedMs,
      ...(options.metagraphStaleMs === undefined
        ? {}
        : { metagraphStaleMs: options.metagraphStaleMs }),
    });
    if (!health.ok) request.log.warn({ failing: health.failing }, 'unhealthy');
    return reply.code(health.ok ? 200 : 503).send(health);
  });

  app.get('/status.json', async (_request, reply) => {
    try {
      return await readStatus(options, statusOptions);
    } catch (err) {
      return storageDown(reply, err, false);
    }
  });

  app.get('/status', async (_request, reply) => {
    try {
      const status = await readStatus(options, statusOptions);
      return reply
        .headers(PAGE_HEADERS)
        .send(renderStatusPage(status, { refreshSeconds: options.refreshSeconds ?? 30 }));
    } catch (err) {
      return storageDown(reply, err, true);
    }
  });

  return metrics;
}
