/**
 * Starts the organic API as one of the daemon's services: keys from storage, miners reached
 * with a dendrite signed by the validator's hotkey, axons from the daemon's metagraph; the same
 * server answers `/metrics`, `/healthz` and the status page from storage. `stop()`
 * stops taking requests and waits for those in flight.
 */
import { Dendrite } from '@subnet/protocol';
import type { Logger } from 'pino';
import { ApiKeys } from '../apiKeys/apiKeyService';
import type { RunningContext, Service } from '../daemon/startValidator';
import { observabilityOf } from '../status/startObservabilityServer';
import { buildApiApp } from './buildApiApp';
import { DendriteGateway } from './minerGateway';

export async function startOrganicApi(
  ctx: RunningContext,
  logger: Logger,
): Promise<Service & { url: string }> {
  const { config } = ctx;
  // Organic calls to one miner are not bounded by the work loop: a pool large enough that none
  // waits for a connection past the dendrite's connect deadline.
  const dendrite = new Dendrite({ hotkey: ctx.hotkey, connectionsPerAxon: 64 });
  const app = buildApiApp({
    apiKeys: new ApiKeys(ctx.storage.apiKeys, { logger }),
    gateway: new DendriteGateway({
      dendrite,
      metagraph: () => ctx.daemon.metagraph(),
      selfHotkey: ctx.hotkey.address,
      logger,
      results: ctx.storage.results,
      ...(ctx.workLoop ? { budget: ctx.workLoop } : {}),
    }),
    models: [
      ...config.api.text_models.map((id) => ({ id, kind: 'text' as const })),
      ...config.api.image_models.map((id) => ({ id, kind: 'image' as const })),
    ],
    unguided: (model) => ctx.workLoop?.unguided?.(model) === true,
    logger,
    observability: observabilityOf(ctx),
  });
  const url = await app.listen({ host: config.api.host, port: config.api.port });
  logger.info(
    { url, docs: `${url}/openapi.json`, status: `${url}/status`, metrics: `${url}/metrics` },
    'organic API listening',
  );
  return {
    url,
    async stop() {
      await app.close();
      await dendrite.close();
    },
  };
}
