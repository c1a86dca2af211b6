import { InferenceError, InferenceErrorCode } from '../errors';
import { type Logger, moduleLogger } from '../log';

/** Where a model will live and how much memory it takes, known before loading it. */
export interface ModelPlan {
  device: string;
  bytes: number;
}

export interface LoadedModel<T> {
  value: T;
  /** The device it actually landed on, if a provider fell back. */
  device?: string;
  dispose(): Promise<void>;
}

export interface ModelManagerOptions<T> {
  /** Bytes each device may hold; a device not listed has no limit. */
  budgets: Readonly<Record<string, number>>;
  /**
   * How long a load may wait for busy models to be released when nothing idle can be evicted
   * (default 0: fail at once with INFERENCE_OVER_BUDGET).
   */
  waitForRoomMs?: number;
  plan(modelId: string): ModelPlan | Promise<ModelPlan>;
  load(modelId: string, plan: ModelPlan): Promise<LoadedModel<T>>;
  logger?: Logger;
}

export interface LoadedModelInfo {
  id: string;
  device: string;
  bytes: number;
  inUse: number;
  state: 'loading' | 'ready';
}

export interface ModelLease<T> {
  readonly value: T;
  release(): void;
}

interface Entry<T> {
  id: string;
  device: string;
  bytes: number;
  refs: number;
  lastUsed: number;
  ready: Promise<LoadedModel<T>>;
  loaded?: LoadedModel<T>;
}

/**
 * Holds many models at once: loads on demand, keeps each device under its memory budget by
 * evicting the least recently used idle models, never evicts a model in use, and reports what
 * is loaded.
 */
export class ModelManager<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private tick = 0;
  private loads = 0;
  private evictions = 0;
  private readonly roomWaiters = new Set<() => void>();
  private readonly log: Logger;

  constructor(private readonly options: ModelManagerOptions<T>) {
    this.log = moduleLogger('models', options.logger);
  }

  async acquire(modelId: string): Promise<ModelLease<T>> {
    let entry = this.entries.get(modelId);
    if (entry) {
      entry.refs++;
      entry.lastUsed = ++this.tick;
    } else {
      entry = {
        id: modelId,
        device: '',
        bytes: 0,
        refs: 1,
        lastUsed: ++this.tick,
        ready: Promise.resolve() as never,
      };
      this.entries.set(modelId, entry);
      entry.ready = this.loadEntry(entry);
    }
    let loaded: LoadedModel<T>;
    try {
      loaded = await entry.ready;
    } catch (err) {
      entry.refs--;
      throw err;
    }
    let released = false;
    const e = entry;
    return {
      value: loaded.value,
      release: () => {
        if (released) return;
        released = true;
        e.refs--;
        e.lastUsed = ++this.tick;
        this.notifyRoom();
      },
    };
  }

  /** Runs `fn` with the model held, releasing it afterwards. */
  async use<R>(modelId: string, fn: (value: T) => Promise<R>): Promise<R> {
    const lease = await this.acquire(modelId);
    try {
      return await fn(lease.value);
    } finally {
      lease.release();
    }
  }

  loaded(): LoadedModelInfo[] {
    return [...this.entries.values()].map((e) => ({
      id: e.id,
      device: e.device,
      bytes: e.bytes,
      inUse: e.refs,
      state: e.loaded ? 'ready' : 'loading',
    }));
  }

  stats(): { loads: number; evictions: number; used: Record<string, number> } {
    const used: Record<string, number> = {};
    for (const e of this.entries.values()) {
      if (e.device) used[e.device] = (used[e.device] ?? 0) + e.bytes;
    }
    return { loads: this.loads, evictions: this.evictions, used };
  }

  /** Unloads an idle model; returns false if it is in use or not loaded. */
  async unload(modelId: string): Promise<boolean> {
    const e = this.entries.get(modelId);
    if (!e?.loaded || e.refs > 0) return false;
    await this.dispose(e, 'unloaded');
    return true;
  }

  /** Unloads every idle model (models in use stay). */
  async close(): Promise<void> {
    for (const e of [...this.entries.values()]) {
      if (e.loaded && e.refs === 0) await this.dispose(e, 'closed');
    }
  }

  private async loadEntry(entry: Entry<T>): Promise<LoadedModel<T>> {
    try {
      const plan = await this.options.plan(entry.id);
      entry.device = plan.device;
      entry.bytes = plan.bytes;
      await this.makeRoom(entry);
      const loaded = await this.options.load(entry.id, plan);
      this.loads++;
      if (loaded.device && loaded.device !== entry.device) {
        this.log.warn(
          { model: entry.id, planned: entry.device, actual: loaded.device },
          'model landed on another device',
        );
        entry.device = loaded.device;
        try {
          await this.makeRoom(entry);
        } catch (err) {
          await loaded.dispose();
          throw err;
        }
      }
      entry.loaded = loaded;
      this.log.info({ model: entry.id, device: entry.device, bytes: entry.bytes }, 'model loaded');
      return loaded;
    } catch (err) {
      this.entries.delete(entry.id);
      throw err;
    }
  }

  /** Evicts idle models on the entry's device, least recently used first, until it fits. */
  private async makeRoom(entry: Entry<T>): Promise<void> {
    const budget = this.options.budgets[entry.device];
    if (budget === undefined) return;
    if (entry.bytes > budget) {
      throw new InferenceError(
        InferenceErrorCode.OverBudget,
        `model ${entry.id} needs ${entry.bytes} bytes; the budget of ${entry.device} is ${budget}`,
      );
    }
    const others = () =>
      [...this.entries.values()].filter((e) => e !== entry && e.device === entry.device);
    const used = () => others().reduce((sum, e) => sum + e.bytes, entry.bytes);
    const deadline = Date.now() + (this.options.waitForRoomMs ?? 0);
    while (used() > budget) {
      const idle = others()
        .filter((e) => e.refs === 0 && e.loaded)
        .sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (!idle && (await this.waitForRoom(deadline))) continue;
      if (!idle) {
        const busy = others().map((e) => `${e.id} (${e.bytes} bytes, ${e.refs} in use)`);
        throw new InferenceError(
          InferenceErrorCode.OverBudget,
          `no room for model ${entry.id} (${entry.bytes} bytes) on ${entry.device}: budget ${budget}, held by ${busy.join(', ')}`,
        );
      }
      await this.dispose(idle, 'evicted (least recently used, idle)');
      this.evictions++;
    }
  }

  /** Waits for a release or an unload, until the deadline; false once it has passed. */
  private waitForRoom(deadline: number): Promise<boolean> {
    const left = deadline - Date.now();
    if (left <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.roomWaiters.delete(wake);
        resolve(false);
      }, left);
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.roomWaiters.add(wake);
    });
  }

  private notifyRoom(): void {
    const waiters = [...this.roomWaiters];
    this.roomWaiters.clear();
    for (const wake of waiters) wake();
  }

  private async dispose(e: Entry<T>, why: string): Promise<void> {
    this.entries.delete(e.id);
    this.notifyRoom();
    this.log.info({ model: e.id, device: e.device, bytes: e.bytes }, why);
    await e.loaded?.dispose();
  }
}
