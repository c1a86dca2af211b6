/**
 * Admission: how many requests run at once, who waits, and who is turned away.
 *
 * Each task kind has `concurrency` slots and a queue of `queue` places. A request runs at once when
 * a slot is free; otherwise it waits in the queue, ordered by the caller's stake (highest first,
 * then first come). When the queue is full, a newcomer with more stake than the lowest waiter takes
 * its place (that waiter gets 429); otherwise the newcomer gets 429 at once: a validator learns
 * "busy" immediately instead of timing out. Each validator hotkey may hold at most `perValidator`
 * requests (running or waiting) across all tasks. A waiter whose deadline passes leaves with 408.
 */
import { StatusCode } from '@subnet/protocol';
import { MinerError, MinerErrorCode } from '../errors';

export interface TaskLimits {
  concurrency: number;
  queue: number;
}

export interface AdmissionConfig {
  tasks: Readonly<Record<string, TaskLimits>>;
  /** Limits for a task kind not listed in `tasks`. */
  defaultLimits: TaskLimits;
  perValidator: number;
}

export interface AdmissionRequest {
  task: string;
  hotkey: string;
  /** Higher goes first (the caller's stake). */
  priority: number;
  /** Absolute time (performance.now() ms) after which waiting is pointless. */
  deadlineMs: number;
  signal?: AbortSignal;
}

/** Call once when the admitted work ends. */
export type Release = () => void;

interface Waiter {
  req: AdmissionRequest;
  seq: number;
  resolve: (release: Release) => void;
  reject: (err: MinerError) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  onAbort: (() => void) | undefined;
}

interface TaskState {
  running: number;
  waiting: Waiter[];
}

export interface AdmissionSnapshot {
  task: string;
  running: number;
  waiting: number;
}

export class AdmissionGate {
  readonly #config: AdmissionConfig;
  readonly #tasks = new Map<string, TaskState>();
  readonly #perHotkey = new Map<string, number>();
  #seq = 0;

  constructor(config: AdmissionConfig) {
    this.#config = config;
  }

  limits(task: string): TaskLimits {
    return this.#config.tasks[task] ?? this.#config.defaultLimits;
  }

  snapshot(): AdmissionSnapshot[] {
    return [...this.#tasks.entries()].map(([task, s]) => ({
      task,
      running: s.running,
      waiting: s.waiting.length,
    }));
  }

  admit(req: AdmissionRequest): Promise<Release> {
    const held = this.#perHotkey.get(req.hotkey) ?? 0;
    if (held >= this.#config.perValidator) {
      return Promise.reject(
        overloaded(
          `validator ${req.hotkey} already has ${held} requests in flight (limit ${this.#config.perValidator})`,
        ),
      );
    }
    const state = this.#state(req.task);
    const limits = this.limits(req.task);
    if (state.running < limits.concurrency) {
      state.running++;
      this.#hold(req.hotkey);
      return Promise.resolve(this.#releaser(req));
    }
    if (state.waiting.length >= limits.queue) {
      const lowest = state.waiting[state.waiting.length - 1];
      if (!lowest || lowest.req.priority >= req.priority) {
        return Promise.reject(
          overloaded(
            `${req.task} is at capacity (${limits.concurrency} running, ${limits.queue} queued)`,
          ),
        );
      }
      this.#drop(
        state,
        lowest,
        overloaded(`${req.task} queue place taken by a caller with more stake`),
      );
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        req,
        seq: this.#seq++,
        resolve,
        reject,
        timer: undefined,
        onAbort: undefined,
      };
      const wait = req.deadlineMs - performance.now();
      waiter.timer = setTimeout(
        () =>
          this.#drop(
            state,
            waiter,
            new MinerError(
              MinerErrorCode.QueueTimeout,
              `${req.task} waited in the queue past its timeout`,
              { status: StatusCode.Timeout },
            ),
          ),
        Math.max(0, wait),
      );
      if (req.signal) {
        waiter.onAbort = () =>
          this.#drop(
            state,
            waiter,
            new MinerError(MinerErrorCode.QueueTimeout, 'the caller went away', {
              status: StatusCode.Timeout,
            }),
          );
        req.signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#hold(req.hotkey);
      insertByPriority(state.waiting, waiter);
    });
  }

  #state(task: string): TaskState {
    let s = this.#tasks.get(task);
    if (!s) {
      s = { running: 0, waiting: [] };
      this.#tasks.set(task, s);
    }
    return s;
  }

  #hold(hotkey: string): void {
    this.#perHotkey.set(hotkey, (this.#perHotkey.get(hotkey) ?? 0) + 1);
  }

  #unhold(hotkey: string): void {
    const n = (this.#perHotkey.get(hotkey) ?? 1) - 1;
    if (n <= 0) this.#perHotkey.delete(hotkey);
    else this.#perHotkey.set(hotkey, n);
  }

  #cleanup(w: Waiter): void {
    if (w.timer) clearTimeout(w.timer);
    if (w.onAbort) w.req.signal?.removeEventListener('abort', w.onAbort);
  }

  #drop(state: TaskState, w: Waiter, err: MinerError): void {
    const i = state.waiting.indexOf(w);
    if (i < 0) return;
    state.waiting.splice(i, 1);
    this.#cleanup(w);
    this.#unhold(w.req.hotkey);
    w.reject(err);
  }

  #releaser(req: AdmissionRequest): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#unhold(req.hotkey);
      const state = this.#state(req.task);
      const next = state.waiting.shift();
      if (next) {
        this.#cleanup(next);
        next.resolve(this.#releaser(next.req));
      } else {
        state.running--;
      }
    };
  }
}

function overloaded(message: string): MinerError {
  return new MinerError(MinerErrorCode.Overloaded, message, { status: StatusCode.TooManyRequests });
}

function insertByPriority(list: Waiter[], w: Waiter): void {
  let i = list.length;
  while (i > 0) {
    const prev = list[i - 1] as Waiter;
    if (prev.req.priority >= w.req.priority) break;
    i--;
  }
  list.splice(i, 0, w);
}
