/**
 * What `pnpm miner doctor` checks, in order: Node.js, the execution providers (and GPU memory) the
 * models ask for, the axon's port, the wallet's files and permissions, the chain (reachable,
 * runtime, subnet, registration), the registry models' files and hashes, and the configured tasks
 * against their models (the checks start-up makes, without loading anything).
 */
import { chainChecks, readHotkeyAddress, resolveEndpoint, walletChecks } from '@subnet/chain';
import { modelChecks, providerChecks } from '@subnet/inference';
import { type Check, type Logger, nodeVersionCheck, portFreeCheck } from '@subnet/kit';
import type { MinerConfig } from '../config/minerConfig';
import type { Env } from '../config/resolveSettings';
import { buildTaskBackends } from '../tasks/buildTaskBackends';

export interface MinerChecksOptions {
  logger: Logger;
  /** The environment the model catalog reads (API keys of model servers). */
  env: Env;
  /** How long the chain checks wait for the chain (default 10 s). */
  chainTimeoutMs?: number;
}

/** The execution providers the configured models ask for (cpu when none are configured). */
export function configuredProviders(config: Pick<MinerConfig, 'models'>): string[] {
  const providers = new Set<string>();
  for (const entry of Object.values(config.models.entries))
    for (const p of entry.providers) providers.add(p);
  return providers.size > 0 ? [...providers] : ['cpu'];
}

/**
 * The network as the checks (and the register command they suggest) should name it: the name the
 * operator gave, unless the environment made it another endpoint (BT_SUBTENSOR_CHAIN_ENDPOINT).
 */
function chainNetwork(config: Pick<MinerConfig, 'subtensor'>): string {
  const { network, endpoint } = config.subtensor;
  return resolveEndpoint(network) === endpoint ? network : endpoint;
}

/** The GPU of the first model that runs on cuda (0 when none does). */
function cudaDevice(config: Pick<MinerConfig, 'models'>): number {
  const entry = Object.values(config.models.entries).find((e) => e.providers.includes('cuda'));
  return entry?.device_id ?? 0;
}

/** The registry ids of the configured LLM entries (the models `pnpm miner models pull` fetches). */
export function registryModelIds(config: Pick<MinerConfig, 'models'>): string[] {
  return Object.entries(config.models.entries)
    .filter(([, e]) => e.type === 'llm')
    .map(([id, e]) => (e.type === 'llm' && e.registry_id) || id);
}

/** Each configured task against its models, as start-up checks them (nothing is loaded). */
export function tasksCheck(config: Readonly<MinerConfig>, options: MinerChecksOptions): Check {
  return {
    name: 'tasks and models',
    timeoutMs: 60_000,
    async run() {
      const tasks = Object.entries(config.tasks);
      const built = await buildTaskBackends(config, options.logger, {
        env: options.env,
        preload: false,
      });
      await built.close();
      if (tasks.length === 0) {
        return {
          status: 'warn',
          detail: 'no tasks are configured: the axon will answer Capacity only',
          fix: 'list the tasks this miner serves under tasks.<Kind> in the --config file (docs/miner.md)',
        };
      }
      return {
        status: 'ok',
        detail: tasks.map(([kind, t]) => `${kind}: ${t?.models.join(', ')}`).join('; '),
      };
    },
  };
}

export function minerChecks(config: Readonly<MinerConfig>, options: MinerChecksOptions): Check[] {
  const wallet = {
    path: config.wallet.path,
    name: config.wallet.name,
    hotkey: config.wallet.hotkey,
  };
  return [
    nodeVersionCheck({ major: 20, minor: 19 }),
    ...providerChecks({
      providers: configuredProviders(config),
      deviceId: cudaDevice(config),
      logger: options.logger,
    }),
    portFreeCheck('axon port', config.axon.ip, config.axon.port),
    ...walletChecks(wallet),
    ...chainChecks({
      network: chainNetwork(config),
      netuid: config.netuid,
      hotkeyAddress: readHotkeyAddress(wallet),
      role: 'miner',
      wallet,
      logger: options.logger,
      timeoutMs: options.chainTimeoutMs ?? 10_000,
    }),
    ...modelChecks({
      cacheDir: config.models.registry.cache_dir ?? '',
      manifests: config.models.registry.manifests,
      ids: registryModelIds(config),
      logger: options.logger,
    }),
    tasksCheck(config, options),
  ];
}
