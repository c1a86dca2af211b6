/**
 * Follows the subnet's metagraph into storage: every `everyBlocks` blocks the chain client hands a
 * snapshot, and `miners.syncMetagraph` records each uid's hotkey, resetting the history of a uid
 * whose hotkey is new or replaced. Writes are serialized and a failed one is logged, never thrown:
 * the next snapshot tries again.
 */
import type { ChainClient, Metagraph } from '@subnet/chain';
import type { Logger } from 'pino';
import type { MetagraphSyncReport } from '../storage/minersRepo';
import type { Repositories } from '../storage/openStorage';

export interface MetagraphSyncOptions {
  client: ChainClient;
  storage: Repositories;
  netuid: number;
  logger: Logger;
  /** Refresh every this many blocks (default 5). */
  everyBlocks?: number;
  now?: () => number;
  /** Called after each snapshot is in storage. */
  onSynced?: (mg: Metagraph, report: MetagraphSyncReport) => void | Promise<void>;
}

export interface MetagraphSync {
  /** The newest snapshot written to storage, if any yet. */
  latest(): Metagraph | undefined;
  /** Resolves with the first snapshot once it is in storage. */
  readonly first: Promise<Metagraph>;
  /** Stops following and waits for a write in progress. */
  stop(): Promise<void>;
}

/** Writes one snapshot to storage and logs what changed. */
export async function syncSnapshot(
  storage: Repositories,
  mg: Metagraph,
  options: { logger: Logger; nowMs: number },
): Promise<MetagraphSyncReport> {
  const report = await storage.miners.syncMetagraph(
    mg.neurons.map((n) => ({ uid: n.uid, hotkey: n.hotkey })),
    options.nowMs,
  );
  if (report.added.length > 0 || report.replaced.length > 0) {
    options.logger.info(
      { block: mg.block, n: mg.n, added: report.added, replaced: report.replaced },
      'metagraph changed: new and replaced uids start with no history',
    );
  } else {
    options.logger.debug({ block: mg.block, n: mg.n }, 'metagraph synced');
  }
  return report;
}

export async function startMetagraphSync(options: MetagraphSyncOptions): Promise<MetagraphSync> {
  const log = options.logger.child({ module: 'metagraph' });
  const now = options.now ?? Date.now;
  let latest: Metagraph | undefined;
  let writing: Promise<void> = Promise.resolve();
  let resolveFirst!: (mg: Metagraph) => void;
  const first = new Promise<Metagraph>((resolve) => {
    resolveFirst = resolve;
  });

  let stopped = false;
  const write = (mg: Metagraph) => {
    writing = writing.then(async () => {
      if (stopped || (latest && mg.block < latest.block)) return;
      try {
        const report = await syncSnapshot(options.storage, mg, { logger: log, nowMs: now() });
        latest = mg;
        resolveFirst(mg);
        await options.onSynced?.(mg, report);
      } catch (err) {
        log.warn(
          { err, block: mg.block },
          'metagraph not written to storage; next snapshot retries',
        );
      }
    });
  };

  const unsubscribe = await options.client.watchMetagraph(options.netuid, {
    everyBlocks: options.everyBlocks ?? 5,
    onUpdate: write,
    // A refresh cut short by stopping is not a failure worth a warning.
    onError: (err) => {
      if (!stopped) log.warn({ err }, 'metagraph refresh failed; next block retries');
    },
  });

  return {
    latest: () => latest,
    first,
    async stop() {
      stopped = true;
      unsubscribe();
      await writing;
    },
  };
}
