/**
 * Broken models and their reload. A model whose backend fails while it runs a task (onnxruntime
 * throws on run, its session is gone) is marked broken: requests for it are answered 503 at once
 * while it is unloaded and loaded again in the background, with exponential backoff between
 * failed attempts, each attempt logged. Other models are not touched and keep serving.
 */
import type { LoadedModelInfo } from '@subnet/inference';
import type { Logger } from 'pino';

export interface ReloadPolicy {
  /** Wait before the first attempt, doubled after each failed one. */
  backoffMs: number;
  /** The longest wait between attempts. */
  maxBackoffMs: number;
}

/** What happened to a model: it failed a task, a reload attempt failed, or it was reloaded. */
export type ModelHealthEvent =
  | { model: string; event: 'failed' }
  | { model: string; event: 'reload_failed' }
  | { model: string; event: 'reloaded' };

/** What reloading needs of the model manager. */
export interface ReloadableModels {
  loaded(): LoadedModelInfo[];
  unload(model: string): Promise<boolean>;
  acquire(model: string): Promise<{ release(): void }>;
}

interface Broken {
  reason: string;
  attempts: number;
  timer?: NodeJS.Timeout;
}

export class ModelReloads {
  private readonly broken = new Map<string, Broken>();
  private closed = false;
  private readonly attempts = new Set<Promise<void>>();

  constructor(
    private readonly options: {
      manager: ReloadableModels;
      policy: ReloadPolicy;
      log: Logger;
      onEvent: (event: ModelHealthEvent) => void;
    },
  ) {}

  /** Why the model is out of service, while it is. */
  reasonFor(model: string): string | undefined {
    return this.broken.get(model)?.reason;
  }

  /** The models out of service now. */
  brokenModels(): string[] {
    return [...this.broken.keys()];
  }

  /** Takes the model out of service (once) and schedules its reload. */
  markBroken(model: string, reason: string): void {
    if (this.closed || this.broken.has(model)) return;
    this.broken.set(model, { reason, attempts: 0 });
    this.options.log.error({ model, reason }, 'model failed; reloading it');
    this.options.onEvent({ model, event: 'failed' });
    this.schedule(model);
  }

  /** Stops every pending reload, and waits for one under way. */
  async close(): Promise<void> {
    this.closed = true;
    for (const b of this.broken.values()) clearTimeout(b.timer);
    await Promise.all(this.attempts);
  }

  private schedule(model: string): void {
    const b = this.broken.get(model);
    if (!b || this.closed) return;
    const { backoffMs, maxBackoffMs } = this.options.policy;
    const delayMs = Math.min(backoffMs * 2 ** b.attempts, maxBackoffMs);
    b.timer = setTimeout(() => {
      const attempt = this.attempt(model, b).finally(() => this.attempts.delete(attempt));
      this.attempts.add(attempt);
    }, delayMs);
    b.timer.unref();
  }

  private async attempt(model: string, b: Broken): Promise<void> {
    if (this.closed) return;
    const { manager, log } = this.options;
    b.attempts++;
    const held = manager.loaded().find((m) => m.id === model);
    if (held && held.inUse > 0) {
      // Requests that took the model before it broke still hold it; they end soon (it is broken).
      log.warn({ model, inUse: held.inUse }, 'model reload waits for the requests holding it');
      this.schedule(model);
      return;
    }
    try {
      if (held) await manager.unload(model);
      (await manager.acquire(model)).release();
    } catch (err) {
      const { backoffMs, maxBackoffMs } = this.options.policy;
      const nextMs = Math.min(backoffMs * 2 ** b.attempts, maxBackoffMs);
      log.error({ model, attempt: b.attempts, nextMs, err }, 'model reload failed; trying again');
      this.options.onEvent({ model, event: 'reload_failed' });
      this.schedule(model);
      return;
    }
    if (this.closed) return;
    this.broken.delete(model);
    log.info({ model, attempts: b.attempts }, 'model reloaded');
    this.options.onEvent({ model, event: 'reloaded' });
  }
}
