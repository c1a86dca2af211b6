import type { setupWithServer } from '@acala-network/chopsticks';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { stringCamelCase } from '@polkadot/util';
import { silentLogger } from '@subnet/kit';
import { NonceTracker } from '../client/nonceTracker.js';
import { submitExtrinsic } from '../client/submit.js';
import {
  checkSudid,
  type SudoGlobalParams,
  type SudoSubnetParams,
  sudoBatch,
  sudoParamCalls,
} from '../extrinsics/sudo.js';
import { keypairFromUri } from '../keys.js';
import { type Logger, moduleLogger } from '../log.js';
import { bootstrapSubnet, genesisOverrides } from './bootstrap.js';
import {
  chainSpecCacheDir,
  DEFAULT_DEVNET_RUNTIME,
  type DevnetRuntime,
  pinnedChainSpecOf,
  resolveChainSpec,
} from './chainSpec.js';
import { addChopsticksSink, routeChopsticksLogs } from './chopsticksLog.js';
import { DEV_WALLETS } from './devWallets.js';
import { genesisWithClock } from './genesis.js';
import { auraSlotDuration, genesisCode, loadRawChainSpec, type RunTask } from './rawGenesis.js';

// chopsticks' BuildBlockMode enum, by value (the module itself is loaded lazily).
const BuildBlockMode = { Instant: 'Instant', Manual: 'Manual' } as never as {
  Instant: import('@acala-network/chopsticks').BuildBlockMode;
  Manual: import('@acala-network/chopsticks').BuildBlockMode;
};

let chopsticks: Promise<typeof import('@acala-network/chopsticks')> | undefined;

/** Loads chopsticks once, its log lines routed to the devnets' loggers (`chopsticksLog.ts`). */
function loadChopsticks(): Promise<typeof import('@acala-network/chopsticks')> {
  chopsticks ??= import('@acala-network/chopsticks').then((mod) => {
    routeChopsticksLogs(mod.pinoLogger);
    return mod;
  });
  return chopsticks;
}

/** `instant`: a block per extrinsic; `manual`: only `newBlocks()`; `{ intervalMs }`: a clock. */
export type BlockMode = 'instant' | 'manual' | { intervalMs: number };

export interface StartDevnetOptions {
  /** Port to listen on; 0 (default) picks a free one. `pnpm devnet` uses 9944. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Block production once bootstrapped (default `instant`). */
  blockMode?: BlockMode;
  /**
   * Which subtensor runtime (default `spec293`): `spec293` (July 2025, plain spec, 1 s slot,
   * `start_call`, subnets emit once started) or `spec218` (February 2025, raw spec, 3 s slot).
   * Picks the pinned chain spec; `chainSpec` or `SUBTENSOR_CHAIN_SPEC` replace it.
   */
  runtime?: DevnetRuntime;
  /**
   * Chain spec path, raw or plain; default from `resolveChainSpec({ runtime })` (the pinned
   * spec). `pnpm devnet` passes `SUBTENSOR_CHAIN_SPEC` here; the library reads no environment.
   */
  chainSpec?: string;
  /** Register and configure the subnet (default true). Without it, `netuid` is -1. */
  bootstrap?: boolean;
  /** Hyperparameters for the devnet subnet on top of the devnet defaults (tempo 10, no rate limits). */
  subnet?: SudoSubnetParams;
  /** Chain time (ms) at genesis; default now. */
  timestamp?: number;
  /** Where the devnet's lines go, chopsticks' own included (default: nowhere). */
  logger?: Logger;
  /**
   * The level from which chopsticks' own lines reach `logger` (default `warn`; `pnpm devnet`
   * takes it from `CHOPSTICKS_LOG_LEVEL`). `logger`'s own level applies too.
   */
  chopsticksLogLevel?: string;
}

export interface DevWalletInfo {
  name: string;
  role: string;
  coldkeyUri: string;
  hotkeyUri: string;
  coldkey: string;
  hotkey: string;
}

export interface Devnet {
  /** `ws://host:port` */
  readonly endpoint: string;
  readonly host: string;
  readonly port: number;
  /** The bootstrapped subnet (-1 without bootstrap). */
  readonly netuid: number;
  /** The running runtime's `spec_version` (218, 293...). */
  readonly specVersion: number;
  readonly wallets: readonly DevWalletInfo[];
  /** An admin connection to the devnet (raw @polkadot/api), for checks in tests. */
  readonly api: ApiPromise;
  /** Builds `count` blocks now, whatever the block mode; resolves with the new head number. */
  newBlocks(count?: number): Promise<number>;
  /** Current head block number. */
  head(): number;
  /** Sets subnet (and chain-wide) hyperparameters through sudo in one block. */
  sudoSet(params: SudoSubnetParams & SudoGlobalParams, netuid?: number): Promise<void>;
  setBlockMode(mode: BlockMode): void;
  close(): Promise<void>;
}

/**
 * Starts a real subtensor runtime (spec 218 or 293) in chopsticks from its chain spec, offline,
 * makes //Alice sudo, funds the dev wallets and bootstraps a subnet ready for miners and
 * validators. Resolves once the endpoint accepts connections; `close()` stops it.
 */
export async function startDevnet(options: StartDevnetOptions = {}): Promise<Devnet> {
  const log = moduleLogger('devnet', options.logger);
  const mod = await loadChopsticks();
  const removeSink = addChopsticksSink(
    options.logger ?? silentLogger(),
    options.chopsticksLogLevel ?? 'warn',
  );
  return start(options, log, mod, removeSink).catch((err: unknown) => {
    removeSink();
    throw err;
  });
}

async function start(
  options: StartDevnetOptions,
  log: Logger,
  mod: typeof import('@acala-network/chopsticks'),
  removeSink: () => void,
): Promise<Devnet> {
  const { setupWithServer, setStorage, runTask, getAuraSlotDuration } = mod;
  const runtime = options.runtime ?? DEFAULT_DEVNET_RUNTIME;
  const chainSpec = options.chainSpec ?? (await resolveChainSpec({ runtime }));
  const { spec, sha256 } = await loadRawChainSpec(chainSpec, {
    cacheDir: chainSpecCacheDir(),
    runTask: runTask as RunTask,
  });
  // chopsticks asks the runtime for its Aura slot without allowing unresolved imports; on
  // spec 293 (bls12_381 host functions) that fails and it silently takes 12 s, and block #1
  // panics ("Slot must increase"). The slot of a pinned runtime is known; any other runtime is
  // asked here. chopsticks' memo is seeded with the answer.
  const slotMs =
    pinnedChainSpecOf(sha256)?.slotMs ?? (await auraSlotDuration(spec, runTask as RunTask));
  getAuraSlotDuration.cache.set(genesisCode(spec), Promise.resolve(slotMs));
  const host = options.host ?? '127.0.0.1';

  const wallets: DevWalletInfo[] = [];
  for (const w of DEV_WALLETS) {
    const [ck, hk] = await Promise.all([keypairFromUri(w.coldkeyUri), keypairFromUri(w.hotkeyUri)]);
    wallets.push({ ...w, coldkey: ck.address, hotkey: hk.address });
  }
  const sudo = wallets[0];
  if (!sudo) throw new Error('no dev wallets');

  const server = await setupWithServer({
    genesis: genesisWithClock(spec, options.timestamp ?? Date.now(), slotMs),
    port: options.port ?? 0,
    host,
    'build-block-mode': BuildBlockMode.Instant,
    // Spec 293 imports bls12_381 host functions (drand) that chopsticks lacks; a call that
    // reaches one traps. Spec 218 resolves all its imports, so this changes nothing there.
    'allow-unresolved-imports': true,
  } as unknown as Parameters<typeof setupWithServer>[0]);
  const port = Number(server.addr.split(':').pop());
  const endpoint = `ws://${host}:${port}`;
  const chain = server.chain;

  let api: ApiPromise | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const stopClock = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  const close = async () => {
    if (closed) return;
    closed = true;
    stopClock();
    await api?.disconnect().catch(() => undefined);
    await server.close();
    removeSink();
  };

  try {
    // On the block chopsticks built at start, before the bootstrap: only the items this runtime
    // has (known from its metadata, so not through the `import-storage` option).
    const subtensor = (await chain.head.meta).query.subtensorModule as
      | Record<string, unknown>
      | undefined;
    await setStorage(
      chain,
      genesisOverrides({
        sudo: sudo.coldkey,
        funded: wallets.map((w) => w.coldkey),
        hasStorage: (item) => Boolean(subtensor?.[stringCamelCase(item)]),
      }) as never,
    );
    const provider = new WsProvider(endpoint, 0);
    await provider.connect();
    api = await ApiPromise.create({
      provider,
      noInitWarn: true,
      throwOnConnect: true,
    });
    const netuid =
      options.bootstrap === false
        ? -1
        : (await bootstrapSubnet(api, provider, options.subnet ?? {}, log)).netuid;
    const adminApi = api;
    const nonces = new NonceTracker();
    let building: Promise<unknown> = Promise.resolve();

    const newBlocks = async (count = 1): Promise<number> => {
      const run = building.then(async () => {
        for (let i = 0; i < count; i++) await chain.newBlock();
      });
      building = run.catch(() => undefined);
      await run;
      return chain.head.number;
    };

    const setBlockMode = (mode: BlockMode) => {
      stopClock();
      if (mode === 'instant') {
        chain.txPool.mode = BuildBlockMode.Instant;
        return;
      }
      chain.txPool.mode = BuildBlockMode.Manual;
      if (mode !== 'manual') {
        const tick = () => {
          timer = setTimeout(() => {
            newBlocks(1)
              .catch((err: unknown) => log.warn({ err }, 'interval block failed'))
              .finally(() => {
                if (!closed && timer) tick();
              });
          }, mode.intervalMs);
        };
        tick();
      }
    };
    setBlockMode(options.blockMode ?? 'instant');

    const sudoSet = async (params: SudoSubnetParams & SudoGlobalParams, forNetuid = netuid) => {
      const key = await keypairFromUri(sudo.coldkeyUri);
      const tx = sudoBatch(adminApi, sudoParamCalls(adminApi, forNetuid, params));
      const pending = submitExtrinsic(adminApi, nonces, key, tx, { log });
      if (chain.txPool.mode === BuildBlockMode.Manual) {
        // Nothing builds blocks on its own: build one once the pool holds the extrinsic.
        await waitForPool(chain);
        await newBlocks(1);
      }
      checkSudid(adminApi, (await pending).events);
    };

    log.info({ endpoint, netuid }, 'devnet ready');
    return {
      endpoint,
      host,
      port,
      netuid,
      specVersion: adminApi.runtimeVersion.specVersion.toNumber(),
      wallets,
      api: adminApi,
      newBlocks,
      head: () => chain.head.number,
      sudoSet,
      setBlockMode,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function waitForPool(chain: { txPool: { pendingExtrinsics: unknown[] } }): Promise<void> {
  for (let i = 0; i < 200 && chain.txPool.pendingExtrinsics.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
}
