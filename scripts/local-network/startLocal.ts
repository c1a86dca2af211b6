/**
 * A whole subnet on this machine, in one function: the devnet (blocks on an interval, so scoring
 * periods pass), dev wallets on disk, a validator (bob) registered and staked to a validator
 * permit, miners (by default two, charlie and dave) registered and serving the tiny test models
 * on 127.0.0.2, the validator's daemon with its work loop and the organic API on 127.0.0.1, and a
 * dev API key. `stop()` stops everything in reverse order.
 *
 * Callers may pass the miners to run: each on a dev wallet's coldkey (with a hotkey of its own
 * when there are more miners than dev wallets), optionally with a wrapper around its honest task
 * backends (a cheating miner in a test), or `down`: registered and serving its axon on chain,
 * then stopped before the validator starts.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ChainClient, createHotkey, loadHotkey, neuronByHotkey } from '@subnet/chain';
import { type Devnet, type DevnetRuntime, findRepoRoot, startDevnet } from '@subnet/chain/devnet';
import { type DevWalletName, devKeys, writeDevWallets } from '@subnet/chain/testing';
import {
  fluxModelEntries,
  type ModelFixtures,
  modelsSection,
  writeModelFixtures,
} from '@subnet/inference/testing';
import {
  buildTaskBackends,
  loadMinerConfig,
  type RunningMiner,
  startMiner,
  type TaskBackendMap,
} from '@subnet/miner';
import { startOrganicApi } from '@subnet/validator/api';
import { ApiKeys } from '@subnet/validator/apiKeys';
import { loadValidatorConfig } from '@subnet/validator/config';
import {
  openConfiguredWork,
  type RunningValidator,
  startValidator,
} from '@subnet/validator/daemon';
import type { WeightsOutcome } from '@subnet/validator/weights';
import type { Logger } from 'pino';

export const MINER_HOST = '127.0.0.2';
const TAO = 1_000_000_000n;

export interface LocalNetworkOptions {
  logger: Logger;
  /** Wallets, models and the validator's database (default `<repo>/.cache/local`). */
  dir?: string;
  /** Milliseconds between blocks (default 2000). */
  blockMs?: number;
  /** Blocks in a scoring period (default 10). */
  periodBlocks?: number;
  /** Port of the organic API (default 8090; 0 picks a free one). */
  apiPort?: number;
  /** Port of the devnet (default 0: a free one). */
  chainPort?: number;
  /** Which subtensor runtime the devnet runs (default: the devnet's, spec 293). */
  runtime?: DevnetRuntime;
  onPeriodDone?: (period: number, outcome: WeightsOutcome) => void;
  /** The miners to run (default: charlie and dave, honest, serving `MINER_TASKS`). */
  miners?: readonly LocalMinerSpec[];
  /** Share of single answers the validator re-runs (default 1: every one). */
  checkShare?: number;
  /** Share of queries sent to two miners at once (default 0.5). */
  headToHeadShare?: number;
  /** The validator also re-samples LLM answers with the task's seed (default off). */
  llmSampleMatch?: boolean;
  /** The validator's `work` section (bounds and deadlines), as config flags. */
  work?: Record<string, unknown>;
  /** Keys of the validator's synthetic profile (`checking.profile`) over `TINY_PROFILE`. */
  profile?: Record<string, string>;
}

/** What a miner serves: per task kind, its models and the volume it offers per period. */
export type MinerTasks = Record<string, { models: string[]; volume: number }>;

export interface LocalMinerSpec {
  /** Its coldkey registers the miner (and its hotkey is the miner's, unless `hotkey`). */
  wallet: DevWalletName;
  /** A hotkey of its own under the wallet, created on disk (more miners than dev wallets). */
  hotkey?: string;
  /** Shown in the summary and logs (default: the wallet, or `wallet-hotkey`). */
  name?: string;
  /** What it serves (default `MINER_TASKS`). */
  tasks?: MinerTasks;
  /** Wraps the honest task backends, e.g. a cheating miner in a test. */
  wrapBackends?: (
    backends: TaskBackendMap,
    log: Logger,
  ) => TaskBackendMap | Promise<TaskBackendMap>;
  /** Registered and serving on chain, then stopped before the validator starts. */
  down?: boolean;
  /**
   * A miner run elsewhere (a hostile process in a test): registered, its axon served on chain at
   * this address; nothing of ours runs for it.
   */
  external?: { ip: string; port: number };
}

export interface LocalMiner {
  name: string;
  uid: number;
  hotkey: string;
  axon: { ip: string; port: number };
  /** Stopped before the validator started (its axon stays on chain). */
  down: boolean;
  /** Run elsewhere (`LocalMinerSpec.external`). */
  external: boolean;
}

export interface LocalNetwork {
  endpoint: string;
  netuid: number;
  devnet: Devnet;
  miners: LocalMiner[];
  validator: { uid: number; hotkey: string; apiUrl: string; running: RunningValidator };
  /** A dev API key (its secret) for the organic API. */
  apiKey: string;
  stop(): Promise<void>;
}

/** What each miner serves: the tiny LLM for text, the tiny diffusion model for images. */
export const MINER_TASKS: MinerTasks = {
  Chat: { models: ['tiny-llm'], volume: 2 },
  Completion: { models: ['tiny-llm'], volume: 2 },
  TextToImage: { models: ['tiny-sd'], volume: 1 },
};

const DEFAULT_MINERS: readonly LocalMinerSpec[] = [{ wallet: 'charlie' }, { wallet: 'dave' }];

/** Synthetic tasks sized for the tiny models (the validator's `checking.profile`). */
export const TINY_PROFILE = {
  image_sizes: ['512x512'],
  steps: '2-3',
  max_tokens: '12-20',
  temperatures: '0.7',
  max_prompt_chars: '80',
};

/**
 * The `models` section of every daemon here: the tiny models, and the committed tiny Flux-class
 * exports (`tiny-flux`, `tiny-flux-schnell`).
 */
function localModels(models: ModelFixtures) {
  const section = modelsSection(models);
  return { ...section, entries: { ...section.entries, ...fluxModelEntries() } };
}

function minerName(spec: LocalMinerSpec): string {
  return spec.name ?? (spec.hotkey ? `${spec.wallet}-${spec.hotkey}` : spec.wallet);
}

export async function startLocalNetwork(options: LocalNetworkOptions): Promise<LocalNetwork> {
  const log = options.logger;
  const dir = options.dir ?? join(findRepoRoot() ?? process.cwd(), '.cache', 'local');
  const walletPath = join(dir, 'wallets');
  const blockMs = options.blockMs ?? 2000;
  const periodBlocks = options.periodBlocks ?? 10;
  const specs = options.miners ?? DEFAULT_MINERS;
  const undo: Array<() => Promise<unknown>> = [];
  let devnet: Devnet | undefined;
  let settle = async (): Promise<unknown> => undefined;
  const stop = async () => {
    // Blocks only for extrinsics from here on, so that no new heads start metagraph refreshes
    // that the closing connections would cut off; one block now takes what waits in the pool (a
    // weight extrinsic the validator's stop waits for), and two more metagraph reads, one after
    // the other, wait out the refreshes that block started (each is several requests).
    if (devnet) {
      devnet.setBlockMode('instant');
      await devnet.newBlocks(1).catch(() => undefined);
    }
    for (let i = 0; i < 2; i++) await settle().catch(() => undefined);
    for (const fn of undo.reverse()) await fn().catch((err: unknown) => log.warn({ err }, 'stop'));
  };
  try {
    await writeDevWallets(walletPath, { overwrite: true });
    const chain = await startDevnet({
      logger: log,
      ...(options.chainPort ? { port: options.chainPort } : {}),
      ...(options.runtime ? { runtime: options.runtime } : {}),
    });
    devnet = chain;
    undo.push(() => chain.close());
    const netuid = chain.netuid;
    const client = await ChainClient.connect({ network: chain.endpoint, logger: log });
    undo.push(() => client.close());
    settle = () => client.metagraph(netuid);

    // Registration and stake on instant blocks, then the chain moves on its own.
    const keys = await devKeys();
    await client.burnedRegister({
      netuid,
      coldkey: keys.bob.coldkey,
      hotkey: keys.bob.hotkey.address,
    });
    for (const spec of specs) {
      const hotkey = spec.hotkey
        ? (
            await createHotkey(
              { name: spec.wallet, hotkey: spec.hotkey, path: walletPath },
              { overwrite: true },
            )
          ).address
        : keys[spec.wallet].hotkey.address;
      await client.burnedRegister({ netuid, coldkey: keys[spec.wallet].coldkey, hotkey });
    }
    await client.addStake({
      netuid,
      coldkey: keys.bob.coldkey,
      hotkey: keys.bob.hotkey.address,
      amount: 1_000n * TAO,
    });
    // Miners run elsewhere serve their axons now, while blocks are still instant.
    const externals: LocalMiner[] = [];
    for (const spec of specs) {
      if (!spec.external) continue;
      const pair = spec.hotkey
        ? await loadHotkey({ name: spec.wallet, hotkey: spec.hotkey, path: walletPath })
        : keys[spec.wallet].hotkey;
      await client.serveAxon({ netuid, hotkey: pair, ...spec.external });
      const uid = neuronByHotkey(await client.metagraph(netuid), pair.address)?.uid;
      if (uid === undefined) throw new Error(`${minerName(spec)} is not registered`);
      externals.push({
        name: minerName(spec),
        uid,
        hotkey: pair.address,
        axon: spec.external,
        down: false,
        external: true,
      });
    }
    // One validator slot: the validator is bob. A runtime whose subnets emit once started
    // (spec 293) pays the owner's hotkey and the miners alpha each epoch; with more slots they
    // would get validator permits too, and each miner would offer bob only his stake's share of
    // its volume (a volume of 1 image then rounds down to none).
    await chain.sudoSet({ minAllowedWeights: 1, maxWeightLimit: 65535, maxAllowedValidators: 1 });
    for (let i = 0; i < 10; i++) {
      const mg = await client.metagraph(netuid);
      if (neuronByHotkey(mg, keys.bob.hotkey.address)?.validatorPermit) break;
      await chain.newBlocks(6);
    }
    chain.setBlockMode({ intervalMs: blockMs });

    const models: ModelFixtures = await writeModelFixtures({ root: join(dir, 'models') });
    const miners: LocalMiner[] = [];
    // Miners that are down start last, so that no live miner gets the port they leave.
    const ours = specs.filter((m) => !m.external);
    for (const spec of [...ours.filter((m) => !m.down), ...ours.filter((m) => m.down)]) {
      const name = minerName(spec);
      const config = loadMinerConfig({
        flags: {
          netuid: String(netuid),
          subtensor: { network: chain.endpoint },
          wallet: { name: spec.wallet, hotkey: spec.hotkey ?? 'default', path: walletPath },
          axon: { ip: MINER_HOST, port: '0' },
          models: localModels(models),
          tasks: spec.down ? {} : (spec.tasks ?? MINER_TASKS),
        },
      });
      const minerLog = log.child({ miner: name });
      let close = async () => undefined as unknown;
      undo.push(() => close());
      const running: RunningMiner = await startMiner(config, {
        log: minerLog,
        backends: async () => {
          if (spec.down) return {};
          const built = await buildTaskBackends(config, minerLog, { env: {} });
          close = () => built.close();
          return spec.wrapBackends ? spec.wrapBackends(built.backends, minerLog) : built.backends;
        },
      });
      if (spec.down) await running.stop();
      else undo.push(() => running.stop());
      miners.push({
        name,
        uid: running.uid,
        hotkey: running.hotkey,
        axon: running.external,
        down: spec.down ?? false,
        external: false,
      });
    }
    miners.push(...externals);

    // The validator: a fresh database each time, as the chain is fresh each time.
    const dataDir = join(dir, 'validator-db');
    await rm(dataDir, { recursive: true, force: true });
    const config = loadValidatorConfig({
      flags: {
        netuid: String(netuid),
        subtensor: { network: chain.endpoint },
        wallet: { name: 'bob', path: walletPath },
        data_dir: dataDir,
        period: { blocks: String(periodBlocks) },
        metagraph: { every_blocks: '1' },
        api: {
          host: '127.0.0.1',
          port: String(options.apiPort ?? 8090),
          text_models: 'tiny-llm',
          image_models: 'tiny-sd,tiny-flux,tiny-flux-schnell',
        },
        // The validator checks answers with its own copies of the miners' models.
        checking: {
          models: localModels(models),
          nsfw: 'tiny-nsfw',
          check_share: String(options.checkShare ?? 1),
          head_to_head_share: String(options.headToHeadShare ?? 0.5),
          llm_sample_match: options.llmSampleMatch ? 'true' : 'false',
          block_ms: String(blockMs),
          profile: { ...TINY_PROFILE, ...options.profile },
        },
        // Every offered unit is tested (operators default to a random share), so the local
        // network's counts are exact; callers may add to the work section.
        work: { test_share: '1-1', ...options.work },
      },
    });
    const validatorLog = log.child({ validator: 'bob' });
    let apiUrl = '';
    const validator = await startValidator(config, {
      logger: validatorLog,
      work: (hotkey, metrics) =>
        openConfiguredWork(config, hotkey, { log: validatorLog, env: {}, metrics }),
      ...(options.onPeriodDone ? { onPeriodDone: options.onPeriodDone } : {}),
      services: async (ctx) => {
        const api = await startOrganicApi(ctx, validatorLog);
        apiUrl = api.url;
        return [api];
      },
    });
    undo.push(() => validator.stop());
    const key = await new ApiKeys(validator.storage.apiKeys).createKey('local-dev', 600);

    return {
      endpoint: chain.endpoint,
      netuid,
      devnet: chain,
      miners,
      validator: {
        uid: validator.uid,
        hotkey: validator.hotkey.address,
        apiUrl,
        running: validator,
      },
      apiKey: key.secret,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
