/**
 * The miner's start-up, in order, each step logged: load the hotkey, connect to the chain, check
 * the registration (never spends: it names the command to run), load the task backends (models),
 * build the axon, listen, `serve_axon` when the chain's record differs, then follow the metagraph.
 * `stop()` drains in-flight requests, then closes the chain connection.
 */
import { availableParallelism } from 'node:os';
import { ChainClient, loadHotkey, neuronByHotkey } from '@subnet/chain';
import type { Logger } from '@subnet/kit';
import { CryptoPool } from '@subnet/protocol';
import type { TaskKind } from '@subnet/protocol/tasks';
import { TASK_SYNAPSE_BY_KIND } from '@subnet/protocol/tasks';
import { buildMinerApp, type MinerApp, type ServedSynapse } from '../axon/buildMinerApp';
import { MetagraphHolder } from '../axon/metagraphView';
import type { TaskHandler } from '../axon/taskHandler';
import type { MinerConfig } from '../config/minerConfig';
import { MinerError, MinerErrorCode } from '../errors';
import { hotkeyOfPair, viewOfMetagraph } from './chainViews';
import { chainUnreachable, listenError, notRegistered, walletError } from './operatorErrors';

export type TaskBackendMap = Partial<Record<TaskKind, TaskHandler>>;

export interface StartMinerDeps {
  log: Logger;
  /**
   * The task backends by task kind (from the inference package, or a serving engine), or a function
   * that loads them: it is called after the registration check, so models load only for a miner
   * that can serve.
   */
  backends: TaskBackendMap | (() => Promise<TaskBackendMap>);
  /** Hotkey file password, when the hotkey is encrypted. */
  hotkeyPassword?: string | undefined;
  /** How long to keep trying to reach the chain before MINER_CHAIN_UNREACHABLE (default 30 s). */
  chainTimeoutMs?: number;
}

export interface RunningMiner {
  uid: number;
  hotkey: string;
  /** Where the axon listens. */
  port: number;
  /** What the chain announces. */
  external: { ip: string; port: number };
  miner: MinerApp;
  chain: ChainClient;
  stop(): Promise<void>;
}

/** The chain refuses 127.0.0.1 as an axon IP; on a local chain the axon announces 127.0.0.2. */
export const LOCAL_AXON_IP = '127.0.0.2';

function isLocalChain(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host.startsWith('127.') || host === '[::1]';
  } catch {
    return false;
  }
}

/**
 * Worker threads for the axon's signature checks and answer signatures: the configured number,
 * else none on a machine of two cores or fewer (the workers would take the core the axon and
 * the models need) and half the cores, at most 8, above that.
 */
export function cryptoThreads(configured: number | undefined, cores: number): number {
  if (configured !== undefined) return configured;
  return cores <= 2 ? 0 : Math.min(8, Math.floor(cores / 2));
}

export async function startMiner(config: MinerConfig, deps: StartMinerDeps): Promise<RunningMiner> {
  const log = deps.log;
  const wallet = config.wallet;
  log.info({ wallet: wallet.name, hotkey: wallet.hotkey, path: wallet.path }, 'loading hotkey');
  const pair = await loadHotkey(wallet, { password: deps.hotkeyPassword }).catch(
    (cause: unknown) => {
      throw walletError(cause, wallet, 'hotkey');
    },
  );
  const hotkey = hotkeyOfPair(pair);

  log.info(
    { network: config.subtensor.network, endpoint: config.subtensor.endpoint },
    'connecting to the chain',
  );
  const chain = await ChainClient.connect({
    network: config.subtensor.endpoint,
    logger: log,
    connectTimeoutMs: deps.chainTimeoutMs ?? 30_000,
  }).catch((cause: unknown) => {
    throw chainUnreachable(config.subtensor, cause);
  });
  let crypto: CryptoPool | undefined;
  try {
    const mg = await chain.metagraph(config.netuid);
    const me = neuronByHotkey(mg, hotkey.address);
    if (!me) throw notRegistered(config, hotkey.address);
    log.info({ uid: me.uid, block: mg.block }, 'registered');
    const externalIp =
      config.axon.external_ip ?? (isLocalChain(chain.endpoint) ? LOCAL_AXON_IP : undefined);
    if (!externalIp) {
      throw new MinerError(
        MinerErrorCode.ConfigInvalid,
        `--axon.external_ip is required on ${config.subtensor.endpoint} (only a local chain has a default)`,
        {
          fix: 'set --axon.external_ip (or axon.external_ip in the --config file) to the public IP validators reach this miner on: it is announced on chain',
        },
      );
    }
    log.info('loading the task backends');
    const backends = typeof deps.backends === 'function' ? await deps.backends() : deps.backends;
    const served: ServedSynapse[] = [];
    for (const [kind, task] of Object.entries(config.tasks) as [
      TaskKind,
      NonNullable<MinerConfig['tasks'][TaskKind]>,
    ][]) {
      const handler = backends[kind];
      if (!handler) {
        throw new MinerError(
          MinerErrorCode.TaskNotServed,
          `tasks.${kind} is configured, but no backend serves ${kind} on this miner (models: ${task.models.join(', ')})`,
        );
      }
      served.push({
        def: TASK_SYNAPSE_BY_KIND[kind],
        handler,
        capacity: { volume: task.volume, models: [...task.models], loras: [...task.loras] },
      });
    }
    if (served.length === 0)
      log.warn('no tasks are configured (tasks.<Kind>): the axon will answer Capacity only');
    const holder = new MetagraphHolder(viewOfMetagraph(mg));
    const threads = cryptoThreads(config.axon.crypto_threads, availableParallelism());
    crypto = threads > 0 ? new CryptoPool({ threads, signer: hotkey }) : undefined;
    const miner = buildMinerApp({
      ...(crypto ? { crypto } : {}),
      hotkey,
      metagraph: holder,
      served,
      logger: log,
      bodyLimit: Math.round(config.axon.body_limit_mb * 1024 * 1024),
      access: {
        requireValidatorPermit: config.blacklist.require_validator_permit,
        minStake: config.blacklist.min_stake,
        allowHotkeys: config.blacklist.allow_hotkeys,
        denyHotkeys: config.blacklist.deny_hotkeys,
      },
      admission: {
        tasks: config.limits.tasks,
        defaultLimits: config.limits.default,
        perValidator: config.limits.per_validator,
      },
    });
    log.info(
      { signatures: miner.signatureBackend, threads: threads > 0 ? threads : 'inline' },
      'signature checks',
    );
    await miner.app.listen({ host: config.axon.ip, port: config.axon.port }).catch((cause) => {
      throw listenError(config.axon.ip, config.axon.port, cause);
    });
    const port = (miner.app.server.address() as { port: number }).port;
    const external = { ip: externalIp, port: config.axon.external_port ?? port };
    if (me.axon.ip !== external.ip || me.axon.port !== external.port) {
      log.info(
        { ip: external.ip, port: external.port, was: { ip: me.axon.ip, port: me.axon.port } },
        'serving axon on chain',
      );
      await chain.serveAxon({
        netuid: config.netuid,
        hotkey: pair,
        ip: external.ip,
        port: external.port,
      });
    } else {
      log.info(external, 'axon already on chain');
    }
    const everyBlocks = Math.max(1, Math.round(config.metagraph.refresh_seconds / 12));
    const unwatch = await chain.watchMetagraph(config.netuid, {
      everyBlocks,
      onUpdate: (next) => holder.update(viewOfMetagraph(next)),
      onError: (err) => log.warn({ err }, 'metagraph refresh failed; keeping the last snapshot'),
    });
    log.info({ port, uid: me.uid, tasks: served.map((s) => s.def.name) }, 'miner ready');
    return {
      uid: me.uid,
      hotkey: hotkey.address,
      port,
      external,
      miner,
      chain,
      stop: async () => {
        log.info('draining in-flight requests');
        unwatch();
        await miner.drain();
        await crypto?.close();
        await chain.close();
        log.info('stopped');
      },
    };
  } catch (e) {
    await crypto?.close();
    await chain.close();
    throw e;
  }
}
