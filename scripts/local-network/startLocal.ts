/**
 * A whole subnet on this machine, in one function: the devnet (blocks on an interval, so scoring
 * periods pass), dev wallets on disk, a validator (bob) registered and staked to a validator
 * permit, two miners (charlie, dave) registered and serving the tiny test models on 127.0.0.2,
 * the validator's daemon with its work loop and the organic API on 127.0.0.1, and a dev API key.
 * `stop()` stops everything in reverse order.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ChainClient, loadHotkey, neuronByHotkey } from '@subnet/chain';
import { type Devnet, findRepoRoot, startDevnet } from '@subnet/chain/devnet';
import { type DevWalletName, devKeys, writeDevWallets } from '@subnet/chain/testing';
import { buildTaskBackends, loadMinerConfig, type RunningMiner, startMiner } from '@subnet/miner';
import { type ModelFixtures, modelsSection, writeModelFixtures } from '@subnet/miner/testing';
import { startOrganicApi } from '@subnet/validator/api';
import { ApiKeys } from '@subnet/validator/apiKeys';
import { loadValidatorConfig } from '@subnet/validator/config';
import { createWorkLoop, type RunningValidator, startValidator } from '@subnet/validator/daemon';
import type { WeightsOutcome } from '@subnet/validator/weights';
import type { Logger } from 'pino';
import { openCheckEngines } from './checkEngines';

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
  onPeriodDone?: (period: number, outcome: WeightsOutcome) => void;
}

export interface LocalMiner {
  name: DevWalletName;
  uid: number;
  hotkey: string;
  axon: { ip: string; port: number };
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
const MINER_TASKS = {
  Chat: { models: ['tiny-llm'], volume: 2 },
  Completion: { models: ['tiny-llm'], volume: 2 },
  TextToImage: { models: ['tiny-sd'], volume: 1 },
};

/** Synthetic tasks sized for the tiny models. */
const TINY_PROFILE = {
  imageSizes: [[512, 512] as const],
  steps: [2, 3] as const,
  maxTokens: [12, 20] as const,
  temperatures: [0.7],
  maxPromptChars: 80,
};

export async function startLocalNetwork(options: LocalNetworkOptions): Promise<LocalNetwork> {
  const log = options.logger;
  const dir = options.dir ?? join(findRepoRoot() ?? process.cwd(), '.cache', 'local');
  const walletPath = join(dir, 'wallets');
  const blockMs = options.blockMs ?? 2000;
  const periodBlocks = options.periodBlocks ?? 10;
  const undo: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const fn of undo.reverse()) await fn().catch((err: unknown) => log.warn({ err }, 'stop'));
  };
  try {
    await writeDevWallets(walletPath, { overwrite: true });
    const devnet = await startDevnet({
      logger: log,
      ...(options.chainPort ? { port: options.chainPort } : {}),
    });
    undo.push(() => devnet.close());
    const netuid = devnet.netuid;
    const client = await ChainClient.connect({ network: devnet.endpoint, logger: log });
    undo.push(() => client.close());

    // Registration and stake on instant blocks, then the chain moves on its own.
    const keys = await devKeys();
    for (const name of ['bob', 'charlie', 'dave'] as const) {
      const k = keys[name];
      await client.burnedRegister({ netuid, coldkey: k.coldkey, hotkey: k.hotkey.address });
    }
    await client.addStake({
      netuid,
      coldkey: keys.bob.coldkey,
      hotkey: keys.bob.hotkey.address,
      amount: 1_000n * TAO,
    });
    await devnet.sudoSet({ minAllowedWeights: 1, maxWeightLimit: 65535 });
    for (let i = 0; i < 10; i++) {
      const mg = await client.metagraph(netuid);
      if (neuronByHotkey(mg, keys.bob.hotkey.address)?.validatorPermit) break;
      await devnet.newBlocks(6);
    }
    devnet.setBlockMode({ intervalMs: blockMs });

    const models: ModelFixtures = await writeModelFixtures({ root: join(dir, 'models') });
    const miners: LocalMiner[] = [];
    for (const name of ['charlie', 'dave'] as const) {
      const config = loadMinerConfig({
        flags: {
          netuid: String(netuid),
          subtensor: { network: devnet.endpoint },
          wallet: { name, path: walletPath },
          axon: { ip: MINER_HOST, port: '0' },
          models: modelsSection(models),
          tasks: MINER_TASKS,
        },
      });
      const minerLog = log.child({ miner: name });
      let close = async () => undefined as unknown;
      const running: RunningMiner = await startMiner(config, {
        log: minerLog,
        backends: async () => {
          const built = await buildTaskBackends(config, minerLog, { env: {} });
          close = () => built.close();
          return built.backends;
        },
      });
      undo.push(() => close());
      undo.push(() => running.stop());
      miners.push({ name, uid: running.uid, hotkey: running.hotkey, axon: running.external });
    }

    // The validator: a fresh database each time, as the chain is fresh each time.
    const dataDir = join(dir, 'validator-db');
    await rm(dataDir, { recursive: true, force: true });
    const config = loadValidatorConfig({
      flags: {
        netuid: String(netuid),
        subtensor: { network: devnet.endpoint },
        wallet: { name: 'bob', path: walletPath },
        data_dir: dataDir,
        period: { blocks: String(periodBlocks) },
        metagraph: { every_blocks: '1' },
        api: {
          host: '127.0.0.1',
          port: String(options.apiPort ?? 8090),
          text_models: 'tiny-llm',
          image_models: 'tiny-sd',
        },
      },
    });
    const engines = await openCheckEngines();
    undo.push(() => engines.release());
    const workLoop = createWorkLoop({
      hotkey: await loadHotkey({ name: 'bob', hotkey: 'default', path: walletPath }),
      models: engines.models,
      blockMs,
      checkShare: 1,
      headToHeadShare: 0.5,
      profile: TINY_PROFILE,
    });
    undo.push(() => workLoop.close());
    let apiUrl = '';
    const validator = await startValidator(config, {
      logger: log.child({ validator: 'bob' }),
      workLoop,
      ...(options.onPeriodDone ? { onPeriodDone: options.onPeriodDone } : {}),
      services: async (ctx) => {
        const api = await startOrganicApi(ctx, log.child({ validator: 'bob' }));
        apiUrl = api.url;
        return [api];
      },
    });
    undo.push(() => validator.stop());
    const key = await new ApiKeys(validator.storage.apiKeys).createKey('local-dev', 600);

    return {
      endpoint: devnet.endpoint,
      netuid,
      devnet,
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
