/**
 * The observability routes of a running validator: what they read (storage, the daemon's newest
 * metagraph and its neurons, the chain endpoint, the task shares weights are computed with), and
 * a server of their own for a validator that serves no organic API (`api.enabled: false`), on the
 * API's host and port. The subnet owner's hotkey is not passed: the chain client has no read of
 * it yet, so the page marks the owner only as a validator (when it holds a permit).
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
    chain: () => {
      const mg = ctx.daemon.metagraph();
      return {
        endpoint: ctx.client.endpoint,
        block: mg?.block,
        connection: ctx.client.connection(),
        ...(mg ? { neurons: mg.neurons } : {}),
      };
    },
    // Mechanism 0's shares, as the weight setter uses them (its weight config is the default).
    weighting: {
      taskShares:
        Object.entries(ctx.config.weights.mechanisms).find(([mecid]) => Number(mecid) === 0)?.[1]
          .task_shares ?? ctx.config.weights.task_shares,
    },
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
