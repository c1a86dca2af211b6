/**
 * The validator's start-up, in order, each step logged: the wallet's hotkey, the chain, the
 * registration and validator permit, the storage (opened and migrated), the daemon loop (the
 * metagraph into storage, weights each period), then the organic API when one is given. `stop()`
 * undoes it in reverse: the API stops taking requests and drains, the loop finishes its period
 * step, storage and the chain connection close.
 */
import { ChainClient, type KeyringPair, loadHotkey, neuronByHotkey } from '@subnet/chain';
import type { Logger } from '@subnet/kit';
import type { ValidatorConfig } from '../config/validatorConfig';
import { ValidatorMetrics } from '../status/validatorMetrics';
import { openStorage, type Storage } from '../storage/openStorage';
import { resolveStorageConfig } from '../storage/storageConfig';
import type { WeightsOutcome } from '../weights/weightSetter';
import { chainError, notRegisteredError, storageError, walletError } from './startErrors';
import { ValidatorDaemon } from './validatorDaemon';
import type { WorkLoop } from './workLoop';

/** Something started after the loop that must stop first (the organic API). */
export interface Service {
  stop(): Promise<void>;
}

export interface StartValidatorDeps {
  logger: Logger;
  hotkeyPassword?: string | undefined;
  workLoop?: WorkLoop;
  /**
   * Makes the work loop once storage is open (the validator's check models are loaded here, so
   * their errors stop start-up before the daemon runs). Ignored when `workLoop` is given.
   */
  work?: (
    hotkey: KeyringPair,
    metrics: ValidatorMetrics,
  ) => Promise<{ loop: WorkLoop; close(): Promise<void> }>;
  onPeriodDone?: (period: number, outcome: WeightsOutcome) => void;
  /** Started last, once storage and the loop run (the organic API). */
  services?: (ctx: RunningContext) => Promise<Service[]>;
}

export interface RunningContext {
  readonly config: Readonly<ValidatorConfig>;
  readonly client: ChainClient;
  readonly storage: Storage;
  readonly hotkey: KeyringPair;
  readonly uid: number;
  readonly daemon: ValidatorDaemon;
  /** The work loop, when one runs (organic work takes from its period budget). */
  readonly workLoop: WorkLoop | undefined;
  /** The validator's Prometheus metrics, moved by the work loop and served on `/metrics`. */
  readonly metrics: ValidatorMetrics;
}

export interface RunningValidator extends RunningContext {
  stop(): Promise<void>;
}

export async function startValidator(
  config: Readonly<ValidatorConfig>,
  deps: StartValidatorDeps,
): Promise<RunningValidator> {
  const log = deps.logger.child({ module: 'start' });
  // Paths are absolute here: the configuration resolved them where the operator typed them.
  const hotkey = await loadHotkey(
    { name: config.wallet.name, hotkey: config.wallet.hotkey, path: config.wallet.path },
    deps.hotkeyPassword === undefined ? {} : { password: deps.hotkeyPassword },
  ).catch((err: unknown) => {
    throw walletError(err, config.wallet);
  });
  log.info(
    { wallet: config.wallet.name, hotkey: config.wallet.hotkey, address: hotkey.address },
    '1/5 wallet: hotkey loaded',
  );

  const client = await ChainClient.connect({
    network: config.subtensor.network,
    logger: deps.logger,
  }).catch((err: unknown) => {
    throw chainError(err, config.subtensor.network);
  });
  const cleanup: Array<() => Promise<void>> = [() => client.close()];
  const undo = async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  };
  try {
    log.info(
      { endpoint: client.endpoint, block: await client.blockNumber() },
      '2/5 chain: connected',
    );

    const mg = await client.metagraph(config.netuid);
    const self = neuronByHotkey(mg, hotkey.address);
    if (!self) throw notRegisteredError(config, hotkey.address);
    if (self.validatorPermit) {
      log.info(
        { uid: self.uid, stake: String(self.stake) },
        '3/5 registration: uid with a validator permit',
      );
    } else {
      log.warn(
        { uid: self.uid, stake: String(self.stake) },
        '3/5 registration: uid has NO validator permit; the chain will refuse its weights until enough stake earns one (permits are given at each epoch)',
      );
    }

    const storageConfig = resolveStorageConfig({
      databaseUrl: config.database_url,
      dataDir: config.data_dir,
    });
    const storage = await openStorage(storageConfig, { logger: deps.logger }).catch(
      (err: unknown) => {
        throw storageError(err, config.database_url);
      },
    );
    cleanup.push(() => storage.close());
    log.info(
      { engine: storage.engine, schemaVersion: storage.schemaVersion },
      '4/5 storage: open and migrated',
    );

    const metrics = new ValidatorMetrics();
    let workLoop = deps.workLoop;
    if (!workLoop && deps.work) {
      const work = await deps.work(hotkey, metrics);
      cleanup.push(() => work.close());
      workLoop = work.loop;
    }
    if (!workLoop) {
      log.warn(
        'no work loop: checking.models has no entries, so no synthetic work is sent and weights come from the scores already stored; list the models miners serve under checking.models (see docs/validator.md)',
      );
    }

    const daemon = new ValidatorDaemon({
      client,
      storage,
      netuid: config.netuid,
      hotkey,
      logger: deps.logger,
      periodBlocks: config.period.blocks,
      blockMs: config.checking.block_ms,
      metagraphEveryBlocks: config.metagraph.every_blocks,
      taskShares: config.weights.task_shares,
      mechanismShares: Object.fromEntries(
        Object.entries(config.weights.mechanisms).map(([mecid, m]) => [
          Number(mecid),
          m.task_shares,
        ]),
      ),
      ...(config.weights.path ? { weightsPath: config.weights.path } : {}),
      ...(config.weights.version_key === undefined
        ? {}
        : { versionKey: config.weights.version_key }),
      ...(workLoop ? { workLoop } : {}),
      ...(deps.onPeriodDone ? { onPeriodDone: deps.onPeriodDone } : {}),
    });
    await daemon.start();
    cleanup.push(() => daemon.stop());

    const ctx: RunningContext = {
      config,
      client,
      storage,
      hotkey,
      uid: self.uid,
      daemon,
      workLoop,
      metrics,
    };
    const services = deps.services ? await deps.services(ctx) : [];
    for (const s of services) cleanup.push(() => s.stop());
    log.info({ services: services.length }, '5/5 running');

    let stopped: Promise<void> | undefined;
    return {
      ...ctx,
      stop() {
        stopped ??= (async () => {
          log.info('stopping: draining the API, finishing the period step, closing storage');
          await undo();
          log.info('stopped');
        })();
        return stopped;
      },
    };
  } catch (err) {
    await undo();
    throw err;
  }
}
