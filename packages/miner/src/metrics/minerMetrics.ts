/** Prometheus metrics of one miner (a registry of its own, so several apps can share a process). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class MinerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'synapse' | 'code'>;
  readonly latency: Histogram<'synapse'>;
  readonly queueDepth: Gauge<'synapse'>;
  readonly inFlight: Gauge<'synapse'>;
  readonly modelsLoaded: Gauge<'model' | 'device'>;
  readonly deviceMemory: Gauge<'device'>;
  readonly modelFailures: Counter<'model'>;
  readonly modelReloads: Counter<'model' | 'outcome'>;
  readonly modelBroken: Gauge<'model'>;

  constructor() {
    this.requests = new Counter({
      name: 'miner_requests_total',
      help: 'Requests answered, by synapse and HTTP status code',
      labelNames: ['synapse', 'code'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'miner_request_duration_seconds',
      help: 'Time from request to answer, by synapse',
      labelNames: ['synapse'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32],
      registers: [this.registry],
    });
    this.queueDepth = new Gauge({
      name: 'miner_queue_depth',
      help: 'Requests waiting for a slot, by synapse',
      labelNames: ['synapse'],
      registers: [this.registry],
    });
    this.inFlight = new Gauge({
      name: 'miner_in_flight',
      help: 'Requests running, by synapse',
      labelNames: ['synapse'],
      registers: [this.registry],
    });
    this.modelsLoaded = new Gauge({
      name: 'miner_model_loaded',
      help: '1 for each model loaded, by model id and device',
      labelNames: ['model', 'device'],
      registers: [this.registry],
    });
    this.deviceMemory = new Gauge({
      name: 'miner_device_memory_used_bytes',
      help: 'Memory used on each device where known',
      labelNames: ['device'],
      registers: [this.registry],
    });
    this.modelFailures = new Counter({
      name: 'miner_model_failures_total',
      help: 'Times a model broke while running a task (each time it is reloaded), by model id',
      labelNames: ['model'],
      registers: [this.registry],
    });
    this.modelReloads = new Counter({
      name: 'miner_model_reloads_total',
      help: 'Reload attempts of broken models, by model id and outcome (ok | failed)',
      labelNames: ['model', 'outcome'],
      registers: [this.registry],
    });
    this.modelBroken = new Gauge({
      name: 'miner_model_broken',
      help: '1 while a model is out of service waiting for its reload, by model id',
      labelNames: ['model'],
      registers: [this.registry],
    });
  }
}
