/**
 * The deadlines and caps of one dendrite call, enforced by the dendrite whatever the peer does.
 *
 * Policy: a call has a total deadline (the synapse's `timeout`), and inside it a connect deadline
 * (a socket to write the request on), a first-byte deadline (the answer's status and headers) and
 * an idle deadline (the longest gap between body chunks, or between events of a stream). Answers
 * are capped in bytes, streams also in events. Whichever is breached first ends the call with a
 * status (408 for a deadline, 422 for a cap) and a message naming it.
 *
 * Hardening: every deadline is a plain `setTimeout` held by this guard, never an
 * `AbortSignal.timeout`. On Node 20 a timeout signal that is only a source of `AbortSignal.any`
 * is held weakly: once garbage-collected its timer is cleared and it never fires (this let a
 * silent or dripping axon hold a call for minutes). A breach aborts the request through undici's
 * dispatch controller, which destroys the socket, and settles the call at once even if undici is
 * still waiting for a connection. A breach, or `dispose()`, clears every timer and listener; the
 * caller's signal gets one listener per signal however many calls share it.
 */
import type { Dispatcher } from 'undici';
import { StatusCode } from './statusCodes';

/** Deadlines inside a call's total timeout, in milliseconds; each is capped at the total. */
export interface CallDeadlines {
  /**
   * A connected socket to send the request on, counted from the start of the call: the TCP
   * handshake, or the wait for a free connection when the axon's pool is busy (size the pool,
   * `connectionsPerAxon`, above the calls in flight per axon). Default: min(5000, total).
   */
  connectMs?: number;
  /** The answer's status and headers, counted from the start of the call (default: the total). */
  firstByteMs?: number;
  /**
   * Longest gap between body chunks of an answer, or between whole events of a stream (time the
   * caller holds an event does not count). Default: the total; for streams min(15000, total).
   */
  idleMs?: number;
}

export const DEFAULT_CONNECT_MS = 5_000;
export const DEFAULT_STREAM_IDLE_MS = 15_000;

export interface GuardSettings {
  totalS: number;
  deadlines: CallDeadlines | undefined;
  streaming: boolean;
  maxBytes: number;
  signal: AbortSignal | undefined;
}

interface Resolved {
  totalMs: number;
  connectMs: number;
  firstByteMs: number;
  idleMs: number;
}

function checkMs(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`deadlines.${name} must be a positive number of milliseconds`);
  }
}

/** The deadlines in force for one call, defaults filled in and each capped at the total. */
export function resolveDeadlines(
  totalS: number,
  deadlines: CallDeadlines | undefined,
  streaming: boolean,
): Resolved {
  if (!Number.isFinite(totalS)) throw new RangeError('timeout must be a finite number of seconds');
  const d = deadlines ?? {};
  checkMs('connectMs', d.connectMs);
  checkMs('firstByteMs', d.firstByteMs);
  checkMs('idleMs', d.idleMs);
  const totalMs = Math.max(1, Math.round(totalS * 1000));
  const cap = (v: number) => Math.min(Math.max(1, Math.round(v)), totalMs);
  return {
    totalMs,
    connectMs: cap(d.connectMs ?? DEFAULT_CONNECT_MS),
    firstByteMs: cap(d.firstByteMs ?? totalMs),
    idleMs: cap(d.idleMs ?? (streaming ? DEFAULT_STREAM_IDLE_MS : totalMs)),
  };
}

/** How a guarded call failed: the status for `dendrite.status_code` and its message. */
export class CallFailure extends Error {
  override readonly name = 'CallFailure';
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

// One 'abort' listener per caller signal, however many calls share it (EventTarget warns past 10).
const signalWatchers = new WeakMap<AbortSignal, Set<() => void>>();
const listeners = new WeakMap<Set<() => void>, () => void>();

function watchSignal(signal: AbortSignal, onAbort: () => void): () => void {
  let set = signalWatchers.get(signal);
  if (!set) {
    const watchers = new Set<() => void>();
    const listener = () => {
      signalWatchers.delete(signal);
      for (const w of [...watchers]) w();
    };
    set = watchers;
    signalWatchers.set(signal, watchers);
    signal.addEventListener('abort', listener, { once: true });
    listeners.set(watchers, listener);
  }
  const watchers = set;
  watchers.add(onAbort);
  return () => {
    watchers.delete(onAbort);
    if (watchers.size > 0) return;
    const listener = listeners.get(watchers);
    if (listener) signal.removeEventListener('abort', listener);
    listeners.delete(watchers);
    if (signalWatchers.get(signal) === watchers) signalWatchers.delete(signal);
  };
}

export class CallGuard {
  readonly #settings: Resolved;
  readonly #streaming: boolean;
  readonly #maxBytes: number;
  readonly #local = new AbortController();
  readonly #failed: Promise<never>;
  #reject!: (e: CallFailure) => void;
  #failure: CallFailure | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #body: { destroy(error?: Error): unknown } | undefined;
  #timers = new Set<NodeJS.Timeout>();
  #connectTimer: NodeJS.Timeout | undefined;
  #firstByteTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #unwatch: (() => void) | undefined;
  #bytes = 0;
  #headersSeen = false;
  #done = false;

  constructor(settings: GuardSettings) {
    this.#settings = resolveDeadlines(settings.totalS, settings.deadlines, settings.streaming);
    this.#streaming = settings.streaming;
    this.#maxBytes = settings.maxBytes;
    this.#failed = new Promise<never>((_, reject) => {
      this.#reject = reject;
    });
    this.#failed.catch(() => {});
    const { totalMs, connectMs, firstByteMs } = this.#settings;
    const totalS = settings.totalS;
    this.#arm(totalMs, () =>
      this.fail(StatusCode.Timeout, `Request timeout after ${totalS} seconds`),
    );
    if (connectMs < totalMs) {
      this.#connectTimer = this.#arm(connectMs, () =>
        this.fail(StatusCode.Timeout, `Request timeout: no connection within ${connectMs} ms`),
      );
    }
    if (firstByteMs < totalMs) {
      this.#firstByteTimer = this.#arm(firstByteMs, () =>
        this.fail(
          StatusCode.Timeout,
          `Request timeout: no answer headers within ${firstByteMs} ms`,
        ),
      );
    }
    const user = settings.signal;
    if (user?.aborted) this.fail(StatusCode.Timeout, 'Request cancelled by the caller');
    else if (user) {
      this.#unwatch = watchSignal(user, () =>
        this.fail(StatusCode.Timeout, 'Request cancelled by the caller'),
      );
    }
  }

  /** Pass to undici's `request`: aborted on any breach. */
  get signal(): AbortSignal {
    return this.#local.signal;
  }

  get failure(): CallFailure | undefined {
    return this.#failure;
  }

  /** An undici interceptor that reports the request's progress to this guard. */
  readonly interceptor: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) =>
    dispatch(opts, this.#observe(handler));

  /** Resolves as `pending` does, or rejects with the failure as soon as the call fails. */
  race<T extends { body: { destroy(error?: Error): unknown } }>(pending: Promise<T>): Promise<T> {
    pending.then(
      (res) => {
        if (this.#failure) res.body.destroy(this.#failure);
        else this.#body = res.body;
      },
      () => {},
    );
    return Promise.race([pending, this.#failed]);
  }

  /** The stream made progress (an event arrived): the idle deadline starts again. */
  touch(): void {
    if (this.#headersSeen) this.#restartIdle();
  }

  /** The caller holds the stream (between events): the idle deadline waits. */
  hold(): void {
    this.#clear(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  /** Ends the call now with `status` and `message` (the first failure wins); returns the failure. */
  fail(status: number, message: string): CallFailure {
    if (this.#failure) return this.#failure;
    const failure = new CallFailure(status, message);
    if (this.#done) return failure;
    this.#failure = failure;
    this.#release();
    this.#controller?.abort(failure);
    this.#local.abort(failure);
    this.#body?.destroy(failure);
    this.#reject(failure);
    return failure;
  }

  /** The call is over: every timer and listener goes (an unfinished request: `fail` it first). */
  dispose(): void {
    this.#done = true;
    this.#release();
    this.#body = undefined;
    this.#controller = undefined;
  }

  #release(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#idleTimer = undefined;
    this.#unwatch?.();
    this.#unwatch = undefined;
  }

  #arm(ms: number, fire: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fire();
    }, ms);
    this.#timers.add(t);
    return t;
  }

  #clear(t: NodeJS.Timeout | undefined): void {
    if (t === undefined) return;
    clearTimeout(t);
    this.#timers.delete(t);
  }

  #restartIdle(): void {
    if (this.#failure || this.#done) return;
    if (this.#idleTimer) {
      this.#idleTimer.refresh();
      return;
    }
    const { idleMs, totalMs } = this.#settings;
    if (idleMs >= totalMs) return;
    const what = this.#streaming ? 'stream' : 'answer';
    this.#idleTimer = this.#arm(idleMs, () =>
      this.fail(StatusCode.Timeout, `Request timeout: ${what} idle for ${idleMs} ms`),
    );
  }

  #started(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    this.#clear(this.#connectTimer);
    if (this.#failure) controller.abort(this.#failure);
  }

  #headers(headers: Record<string, string | string[] | undefined>): boolean {
    this.#clear(this.#firstByteTimer);
    this.#headersSeen = true;
    const length = Number(headers['content-length']);
    if (Number.isFinite(length) && length > this.#maxBytes) {
      this.#tooLarge();
      return false;
    }
    this.#restartIdle();
    return !this.#failure;
  }

  #data(size: number): boolean {
    this.#bytes += size;
    if (this.#bytes > this.#maxBytes) {
      this.#tooLarge();
      return false;
    }
    if (!this.#streaming) this.#restartIdle();
    return !this.#failure;
  }

  #tooLarge(): void {
    this.fail(
      StatusCode.UnprocessableResponse,
      `Response too large: the answer exceeds ${this.#maxBytes} bytes`,
    );
  }

  #observe(handler: Dispatcher.DispatchHandler): Dispatcher.DispatchHandler {
    return {
      onRequestStart: (controller, context) => {
        this.#started(controller);
        handler.onRequestStart?.(controller, context);
      },
      onRequestUpgrade: (controller, statusCode, headers, socket) =>
        handler.onRequestUpgrade?.(controller, statusCode, headers, socket),
      onResponseStart: (controller, statusCode, headers, statusMessage) => {
        if (this.#headers(headers))
          handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
      },
      onResponseData: (controller, chunk) => {
        if (this.#data(chunk.length)) handler.onResponseData?.(controller, chunk);
      },
      onResponseEnd: (controller, trailers) => handler.onResponseEnd?.(controller, trailers),
      onResponseError: (controller, error) => handler.onResponseError?.(controller, error),
    };
  }
}
