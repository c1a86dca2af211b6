/**
 * What `/healthz` answers: storage reachable (one query), the chain connection, the chain block
 * last seen and the age of the newest metagraph written to storage. Healthy unless a part fails:
 * `storage` when it cannot be queried, `chain` while the chain connection is down (for as long as
 * the outage lasts, whatever the metagraph's age) or when the newest metagraph in storage is older
 * than `metagraphStaleMs`.
 */
import { LAST_PERIOD_KEY } from '../daemon/validatorDaemon';
import type { StatusSource } from './statusSource';

/**
 * `work` fails when no scoring period was handled, and `weights` when no weights were set or
 * committed, within `stalePeriods` periods (by the chain's block; counted from start-up until the
 * first): the daemon is alive but its work loop or its weights are stuck.
 */
export type HealthPart = 'storage' | 'chain' | 'work' | 'weights';

export interface Liveness {
  ok: boolean;
  /** The newest period handled (work) or the block of the newest weights (weights). */
  last: number | null;
  /** How many periods ago that was; null when there is none and start-up was recent. */
  periodsAgo: number | null;
}

export interface Health {
  ok: boolean;
  /** The parts that fail, empty when healthy. */
  failing: HealthPart[];
  storage: { ok: boolean; engine: string | null; error?: string };
  chain: {
    ok: boolean;
    endpoint: string | null;
    /** Block of the newest metagraph the daemon has seen. */
    block: number | null;
    /** When the newest metagraph was written to storage (epoch ms), and how long ago in seconds. */
    metagraphUpdatedMs: number | null;
    metagraphAgeS: number | null;
    /** Whether the chain connection is up now (present when the chain view reports it). */
    connected?: boolean;
    /** How long the connection has been down, in seconds; 0 while connected. */
    disconnectedForS?: number;
  };
  /** Present when the source knows the period (a running daemon). */
  work?: Liveness;
  weights?: Liveness;
  uptimeS: number;
}

export interface ReadHealthOptions {
  /** The chain part fails when the newest metagraph is older than this (default 10 minutes). */
  metagraphStaleMs?: number;
  startedMs: number;
}

export const DEFAULT_METAGRAPH_STALE_MS = 10 * 60_000;

export async function readHealth(
  source: StatusSource,
  options: ReadHealthOptions,
): Promise<Health> {
  const now = (source.now ?? Date.now)();
  const chainView = source.chain?.();
  let updatedMs: number | null = null;
  let storageError: string | undefined;
  try {
    for (const m of await source.storage.miners.list()) {
      if (updatedMs === null || m.updatedMs > updatedMs) updatedMs = m.updatedMs;
    }
  } catch (err) {
    storageError = err instanceof Error ? err.message : String(err);
  }
  const ageMs = updatedMs === null ? null : Math.max(0, now - updatedMs);
  const fresh =
    storageError !== undefined ||
    ageMs === null ||
    ageMs <= (options.metagraphStaleMs ?? DEFAULT_METAGRAPH_STALE_MS);
  const connection = chainView?.connection;
  const chainOk = fresh && (connection?.connected ?? true);
  const failing: HealthPart[] = [];
  if (storageError !== undefined) failing.push('storage');
  if (!chainOk) failing.push('chain');
  const live =
    storageError === undefined
      ? await readLiveness(source, chainView?.block, now - options.startedMs)
      : undefined;
  if (live && !live.work.ok) failing.push('work');
  if (live && !live.weights.ok) failing.push('weights');
  return {
    ok: failing.length === 0,
    failing,
    storage: {
      ok: storageError === undefined,
      engine: source.engine ?? null,
      ...(storageError === undefined ? {} : { error: storageError }),
    },
    chain: {
      ok: chainOk,
      endpoint: chainView?.endpoint ?? null,
      block: chainView?.block ?? null,
      metagraphUpdatedMs: updatedMs,
      metagraphAgeS: ageMs === null ? null : Math.round(ageMs / 1000),
      ...(connection === undefined
        ? {}
        : {
            connected: connection.connected,
            disconnectedForS: connection.connected
              ? 0
              : Math.round(Math.max(0, now - connection.sinceMs) / 1000),
          }),
    },
    ...(live ? { work: live.work, weights: live.weights } : {}),
    uptimeS: Math.round((now - options.startedMs) / 1000),
  };
}

async function readLiveness(
  source: StatusSource,
  block: number | undefined,
  uptimeMs: number,
): Promise<{ work: Liveness; weights: Liveness } | undefined> {
  const period = source.period;
  if (!period || block === undefined) return undefined;
  const [lastPeriod, lastBlock] = await Promise.all([
    source.storage.state.get<number>(LAST_PERIOD_KEY),
    source.storage.weights.lastSuccessBlock(source.netuid),
  ]);
  const current = Math.floor(block / period.blocks);
  // Until the first period or weights, the clock since start-up stands in.
  const startedPeriodsAgo = uptimeMs / (period.blocks * period.blockMs);
  const judge = (last: number | undefined, periodsAgo: number | undefined): Liveness => {
    if (last === undefined || periodsAgo === undefined) {
      const ok = startedPeriodsAgo <= period.stalePeriods;
      return { ok, last: null, periodsAgo: ok ? null : Math.floor(startedPeriodsAgo) };
    }
    return { ok: periodsAgo <= period.stalePeriods, last, periodsAgo };
  };
  return {
    work: judge(lastPeriod, lastPeriod === undefined ? undefined : current - lastPeriod),
    weights: judge(
      lastBlock,
      lastBlock === undefined ? undefined : Math.floor((block - lastBlock) / period.blocks),
    ),
  };
}
