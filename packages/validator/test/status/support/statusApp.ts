/**
 * The organic API app with observability on, over real storage, as the daemon builds it
 * (`startOrganicApi`), its chain view holding the fixture's neurons and owner: real API keys, and
 * a dendrite gateway to the miners of `metagraph` (by default none, so work requests answer 503
 * without leaving the process).
 */
import type { Metagraph } from '@subnet/chain';
import { Dendrite } from '@subnet/protocol';
import { devHotkey } from '@subnet/protocol/testing';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApiApp, DendriteGateway } from '../../../src/api/index';
import { ApiKeys } from '../../../src/apiKeys/index';
import type { ValidatorMetrics } from '../../../src/status/index';
import type { Storage } from '../../../src/storage/index';
import { NETUID, NEURONS, NOW, OWNER_HOTKEY, VALIDATOR_HOTKEY } from './statusFixture';

export const CHAIN_ENDPOINT = 'ws://127.0.0.1:9944';
export const CHAIN_BLOCK = 123;

export interface StatusApp {
  app: FastifyInstance;
  keys: ApiKeys;
  close(): Promise<void>;
}

export async function buildStatusApp(
  storage: Storage,
  options: {
    now?: () => number;
    metagraphStaleMs?: number;
    metrics?: ValidatorMetrics;
    /** The miners the gateway may reach (default: none). */
    metagraph?: Metagraph;
  } = {},
): Promise<StatusApp> {
  const now = options.now ?? (() => NOW);
  const logger = pino({ level: 'silent' });
  const dendrite = new Dendrite({ hotkey: await devHotkey('alice') });
  const keys = new ApiKeys(storage.apiKeys, { now });
  const app = buildApiApp({
    apiKeys: keys,
    gateway: new DendriteGateway({
      dendrite,
      metagraph: () => options.metagraph,
      selfHotkey: VALIDATOR_HOTKEY,
      logger,
    }),
    models: [{ id: 'tiny-llm', kind: 'text' }],
    logger,
    now,
    observability: {
      storage,
      engine: storage.engine,
      netuid: NETUID,
      validator: { hotkey: VALIDATOR_HOTKEY, uid: 0 },
      chain: () => ({
        endpoint: CHAIN_ENDPOINT,
        block: CHAIN_BLOCK,
        neurons: NEURONS,
        ownerHotkey: OWNER_HOTKEY,
      }),
      now,
      ...(options.metagraphStaleMs === undefined
        ? {}
        : { metagraphStaleMs: options.metagraphStaleMs }),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    },
  });
  return {
    app,
    keys,
    async close() {
      await app.close();
      await dendrite.close();
    },
  };
}
