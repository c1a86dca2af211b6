/**
 * Prometheus metrics of one validator (a registry of its own, so several apps can share a
 * process), in the miner's style: counters and a latency histogram the HTTP server moves per
 * request, gauges read from storage at scrape time (`collectStorageGauges`), and what the work
 * loop reports (`WorkMetrics`): periods handled, deadline cut-offs, query outcomes per miner.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PeriodReport } from '../work/periodWorkLoop';
import type { QueryOutcome } from '../work/queryMiner';
import type { WorkMetrics } from '../work/workMetrics';

/** The outcome label of a query: ok, timeout, refused (4xx), error (5xx), unreachable, bad. */
function outcomeOf(statusCode: number): string {
  if (statusCode === 200) return 'ok';
  if (statusCode === 408) return 'timeout';
  if (statusCode === 503) return 'unreachable';
  if (statusCode === 422) return 'bad_answer';
  if (statusCode >= 400 && statusCode < 500) return 'refused';
  return 'error';
}

export class ValidatorMetrics implements WorkMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'code'>;
  readonly latency: Histogram<'route'>;
  readonly rateLimited: Counter<'route'>;
  readonly storageUp: Gauge;
  readonly miners: Gauge;
  readonly lastScoredPeriod: Gauge;
  readonly lastHandledPeriod: Gauge;
  readonly lastWeightsBlock: Gauge;
  readonly lastWeightsTime: Gauge;
  readonly pendingCommits: Gauge;
  readonly taskResults: Gauge<'kind' | 'outcome'>;
  readonly taskResultsChecked: Gauge<'kind'>;
  readonly periodsHandled: Counter;
  readonly deadlineCutoffsTotal: Counter;
  readonly queries: Counter<'uid' | 'kind' | 'outcome'>;
  readonly periodBusyShare: Gauge;

  constructor() {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'validator_api_requests_total',
      help: 'HTTP requests answered, by route and status code (route "unmatched" for unknown paths)',
      labelNames: ['route', 'code'],
      registers,
    });
    this.latency = new Histogram({
      name: 'validator_api_request_duration_seconds',
      help: 'Time from request to the end of the response, by route',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'validator_api_rate_limited_total',
      help: 'Requests refused with 429 because their API key was over its rate limit, by route',
      labelNames: ['route'],
      registers,
    });
    this.storageUp = new Gauge({
      name: 'validator_storage_up',
      help: '1 when storage answered the scrape-time queries, 0 when it did not',
      registers,
    });
    this.miners = new Gauge({
      name: 'validator_miners_known',
      help: 'Uids in storage (from the newest metagraph)',
      registers,
    });
    this.lastScoredPeriod = new Gauge({
      name: 'validator_last_scored_period',
      help: 'The newest scoring period with scores in storage (-1 when none)',
      registers,
    });
    this.lastHandledPeriod = new Gauge({
      name: 'validator_last_handled_period',
      help: 'The newest period the daemon handled (scored and set weights for; -1 when none)',
      registers,
    });
    this.lastWeightsBlock = new Gauge({
      name: 'validator_last_weights_block',
      help: 'Block of the newest weights set or committed on chain (-1 when none)',
      registers,
    });
    this.lastWeightsTime = new Gauge({
      name: 'validator_last_weights_timestamp_seconds',
      help: 'Unix time the newest weights were set or committed (-1 when none)',
      registers,
    });
    this.pendingCommits = new Gauge({
      name: 'validator_pending_commits',
      help: 'Weight commits waiting for their reveal',
      registers,
    });
    this.taskResults = new Gauge({
      name: 'validator_task_results',
      help: 'Task results in storage, by task kind and outcome (ok: 2xx answer; failed: otherwise)',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.taskResultsChecked = new Gauge({
      name: 'validator_task_results_checked',
      help: 'Task results in storage that were checked by reproduction, by task kind',
      labelNames: ['kind'],
      registers,
    });
    this.periodsHandled = new Counter({
      name: 'validator_work_periods_total',
      help: 'Scoring periods whose work was done and folded into scores',
      registers,
    });
    this.deadlineCutoffsTotal = new Counter({
      name: 'validator_work_deadline_cutoffs_total',
      help: 'Planned queries a period deadline left unsent (held by a busy miner or out of time)',
      registers,
    });
    this.queries = new Counter({
      name: 'validator_work_queries_total',
      help: 'Queries sent to miners, by uid, task kind and outcome (ok, timeout, refused, error, unreachable, bad_answer)',
      labelNames: ['uid', 'kind', 'outcome'],
      registers,
    });
    this.periodBusyShare = new Gauge({
      name: 'validator_work_busy_share',
      help: 'Share of the newest period the event loop was busy with the validator own work (not waiting on miners)',
      registers,
    });
  }

  queriesDone(outcomes: readonly QueryOutcome[]): void {
    for (const o of outcomes) {
      this.queries.inc({ uid: String(o.uid), kind: o.kind, outcome: outcomeOf(o.statusCode) });
    }
  }

  deadlineCutoffs(count: number): void {
    if (count > 0) this.deadlineCutoffsTotal.inc(count);
  }

  periodDone(report: PeriodReport): void {
    this.periodsHandled.inc();
    this.periodBusyShare.set(report.busyShare);
  }
}
