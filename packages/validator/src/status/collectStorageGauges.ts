/**
 * Sets the storage gauges of `ValidatorMetrics` from what storage holds now; called at each
 * scrape. When storage cannot be queried, `validator_storage_up` is 0, the storage gauges read NaN
 * (or vanish, for labelled ones: a stale figure would read as a live one), and the scrape answers.
 */
import { LAST_PERIOD_KEY } from '../daemon/validatorDaemon';
import { readWeights } from './readStatus';
import type { StatusSource } from './statusSource';
import type { ValidatorMetrics } from './validatorMetrics';

const ALL_TIME = Number.MAX_SAFE_INTEGER;

function readFigures(source: StatusSource) {
  const { storage } = source;
  return Promise.all([
    storage.miners.list(),
    storage.scores.latestPeriod(),
    storage.state.get<number>(LAST_PERIOD_KEY),
    readWeights(source),
    storage.weights.pendingCommits(source.netuid),
    storage.results.summarize(0, ALL_TIME),
  ]);
}

export async function collectStorageGauges(
  metrics: ValidatorMetrics,
  source: StatusSource,
  log?: { warn(obj: object, msg: string): void },
): Promise<void> {
  const unlabelled = [
    metrics.miners,
    metrics.lastScoredPeriod,
    metrics.lastHandledPeriod,
    metrics.lastWeightsBlock,
    metrics.lastWeightsTime,
    metrics.pendingCommits,
  ];
  let figures: Awaited<ReturnType<typeof readFigures>>;
  try {
    figures = await readFigures(source);
  } catch (err) {
    log?.warn({ err }, 'storage gauges not read: storage did not answer');
    metrics.storageUp.set(0);
    for (const g of unlabelled) g.set(Number.NaN);
    metrics.taskResults.reset();
    metrics.taskResultsChecked.reset();
    return;
  }
  const [miners, lastScored, lastHandled, weights, pending, summaries] = figures;
  metrics.storageUp.set(1);
  metrics.miners.set(miners.length);
  metrics.lastScoredPeriod.set(lastScored ?? -1);
  metrics.lastHandledPeriod.set(lastHandled ?? -1);
  metrics.lastWeightsBlock.set(weights.current?.block ?? -1);
  metrics.lastWeightsTime.set(weights.current ? weights.current.createdMs / 1000 : -1);
  metrics.pendingCommits.set(pending.length);
  metrics.taskResults.reset();
  metrics.taskResultsChecked.reset();
  const byKind = new Map<string, { total: number; ok: number; checked: number }>();
  for (const s of summaries) {
    const k = byKind.get(s.taskKind) ?? { total: 0, ok: 0, checked: 0 };
    k.total += s.total;
    k.ok += s.succeeded;
    k.checked += s.checked;
    byKind.set(s.taskKind, k);
  }
  for (const [kind, k] of byKind) {
    metrics.taskResults.set({ kind, outcome: 'ok' }, k.ok);
    metrics.taskResults.set({ kind, outcome: 'failed' }, k.total - k.ok);
    metrics.taskResultsChecked.set({ kind }, k.checked);
  }
}
