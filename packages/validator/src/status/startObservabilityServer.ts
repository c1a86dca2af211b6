/**
 * The observability routes of a running validator: what they read (storage, the daemon's newest
 * metagraph, the chain endpoint), and a server of their own for a validator that serves no
 * organic API (`api.enabled: false`), on the API's host and port.
 */
import type { Logger } from 'pino';
import type { RunningContext, Service } from '../daemon/startValidator';
import { buildObservabilityApp } from './buildObservabilityApp';
import type { ObservabilityOptions } from './observabilityRoutes';

export function observabilityOf(ctx: RunningContext): ObservabilityOptions {
  return {
    storage: ctx.storage,
    engine: ctx.storage.engine,
    netuid: ctx.config.netuid,
    validator: { hotkey: ctx.hotkey.address, uid: ctx.uid },
    chain: () => ({
      endpoint: ctx.client.endpoint,
      block: ctx.daemon.metagraph()?.block,
      connection: ctx.client.connection(),
    }),
    period: {
      blocks: ctx.config.period.blocks,
      blockMs: ctx.config.checking.block_ms,
      stalePeriods: ctx.config.work.stale_periods,
    },
    metrics: ctx.metrics,
  };
}

export async function startObservabilityServer(
  ctx: RunningContext,
  logger: Logger,
): Promise<Service & { url: string }> {
  const app = buildObservabilityApp({ ...observabilityOf(ctx), logger });
  const url = await app.listen({ host: ctx.config.api.host, port: ctx.config.api.port });
  logger.info(
    { url, status: `${url}/status`, metrics: `${url}/metrics` },
    'status and metrics listening (no organic API)',
  );
  return { url, stop: () => app.close() };
}
