/**
 * Querying miners with the protocol's dendrite. Chat and Completion stream: their events are
 * folded into the synapse's outputs with `foldTextStream`; other kinds answer in one body.
 *
 * A failed query is retried once, and the two outcomes say whose fault it was:
 * - `validator`: the miner refused our request as malformed or unauthorised (400, 401, 413), or
 *   refuses this validator (403), or the caller cancelled. Such results are not held against the
 *   miner (nothing is stored for scoring).
 * - `miner`: anything else twice (5xx, 408 timeout, 422 unparsable or broken stream, 429, 404,
 *   503 unreachable). One failure followed by a good answer is not a fault; the good answer counts.
 * A network failure on the validator's own side reads as 503 like a miner that is down; the
 * daemon tells them apart by the whole round (every miner unreachable at once).
 */
import { type Dendrite, StatusCode, type Synapse, type SynapseDef } from '@subnet/protocol';
import { foldTextStream, TASK_SYNAPSE_BY_KIND, type TaskKind } from '@subnet/protocol/tasks';

export interface MinerTarget {
  uid: number;
  hotkey: string;
  ip: string;
  port: number;
}

/** What the query needs of a task: its id, kind and synapse input. */
export interface QueryTask {
  id: string;
  kind: TaskKind;
  input: Record<string, unknown>;
}

export type Fault = 'none' | 'miner' | 'validator';

export interface QueryOutcome {
  taskId: string;
  kind: TaskKind;
  uid: number;
  hotkey: string;
  /** Clock time the (last) attempt started, epoch ms. */
  startedMs: number;
  /** Wall time of the last attempt. */
  durationMs: number;
  /** Time to the first stream event of the last attempt (streamed kinds that answered). */
  firstEventMs?: number;
  statusCode: number;
  statusMessage: string | null;
  /** The output fields the miner filled (only with status 200). */
  outputs?: Record<string, unknown>;
  attempts: 1 | 2;
  fault: Fault;
}

export interface QueryOptions {
  /** Seconds per attempt (default: the synapse's own). */
  timeoutS?: number;
  signal?: AbortSignal;
  /** Epoch ms clock (default Date.now). */
  now?: () => number;
}

const VALIDATOR_SIDE: ReadonlySet<number> = new Set([
  StatusCode.BadRequest,
  StatusCode.Unauthorized,
  StatusCode.Forbidden,
  StatusCode.PayloadTooLarge,
]);

/** Whose fault a status code is, for one attempt. */
export function faultOf(statusCode: number, cancelled = false): Fault {
  if (statusCode === StatusCode.Success) return 'none';
  if (cancelled || VALIDATOR_SIDE.has(statusCode)) return 'validator';
  return 'miner';
}

type Attempt = Omit<QueryOutcome, 'taskId' | 'kind' | 'uid' | 'hotkey' | 'attempts' | 'fault'>;

function outputsOf(def: SynapseDef, task: QueryTask, synapse: Synapse): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const src = synapse as Record<string, unknown>;
  for (const field of Object.keys(def.schema.shape)) {
    if (field in task.input) continue;
    const value = src[field];
    if (value !== undefined && value !== null) out[field] = value;
  }
  return out;
}

function statusOf(synapse: Synapse): { code: number; message: string | null } {
  return {
    code: synapse.dendrite.status_code ?? StatusCode.UnprocessableResponse,
    message: synapse.dendrite.status_message ?? null,
  };
}

async function attemptOnce(
  dendrite: Dendrite,
  target: MinerTarget,
  task: QueryTask,
  options: QueryOptions,
): Promise<Attempt> {
  const def = TASK_SYNAPSE_BY_KIND[task.kind] as SynapseDef;
  const startedMs = (options.now ?? Date.now)();
  const t0 = performance.now();
  const call = {
    ...(options.timeoutS !== undefined ? { timeout: options.timeoutS } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  if (!def.streaming) {
    const synapse = await dendrite.call(target, def, task.input as never, call);
    const { code, message } = statusOf(synapse);
    const durationMs = performance.now() - t0;
    return code === StatusCode.Success
      ? {
          startedMs,
          durationMs,
          statusCode: code,
          statusMessage: message,
          outputs: outputsOf(def, task, synapse),
        }
      : { startedMs, durationMs, statusCode: code, statusMessage: message };
  }
  const events: unknown[] = [];
  let firstEventMs: number | undefined;
  const stream = dendrite.stream(target, def, task.input as never, call);
  let next = await stream.next();
  while (!next.done) {
    firstEventMs ??= performance.now() - t0;
    events.push(next.value);
    next = await stream.next();
  }
  const durationMs = performance.now() - t0;
  const timing = { startedMs, durationMs, ...(firstEventMs !== undefined ? { firstEventMs } : {}) };
  const { code, message } = statusOf(next.value);
  if (code !== StatusCode.Success) return { ...timing, statusCode: code, statusMessage: message };
  try {
    const folded = foldTextStream(events);
    if (folded.error !== null) {
      return {
        ...timing,
        statusCode: StatusCode.InternalError,
        statusMessage: `miner stream error: ${folded.error}`,
      };
    }
    if (folded.finish_reason === null) {
      return {
        ...timing,
        statusCode: StatusCode.UnprocessableResponse,
        statusMessage: 'the stream ended without a done event',
      };
    }
    return {
      ...timing,
      statusCode: code,
      statusMessage: message,
      outputs: {
        text: folded.text,
        token_logprobs: folded.token_logprobs,
        finish_reason: folded.finish_reason,
      },
    };
  } catch (e) {
    return {
      ...timing,
      statusCode: StatusCode.UnprocessableResponse,
      statusMessage: e instanceof Error ? e.message : String(e),
    };
  }
}

/** Sends the task to one miner, retrying once after a failure; never throws for a peer failure. */
export async function queryMiner(
  dendrite: Dendrite,
  target: MinerTarget,
  task: QueryTask,
  options: QueryOptions = {},
): Promise<QueryOutcome> {
  const base = { taskId: task.id, kind: task.kind, uid: target.uid, hotkey: target.hotkey };
  const first = await attemptOnce(dendrite, target, task, options);
  const cancelled = () => options.signal?.aborted === true;
  if (first.statusCode === StatusCode.Success)
    return { ...base, ...first, attempts: 1, fault: 'none' };
  if (cancelled()) return { ...base, ...first, attempts: 1, fault: 'validator' };
  const second = await attemptOnce(dendrite, target, task, options);
  const faults = [faultOf(first.statusCode), faultOf(second.statusCode, cancelled())];
  const fault: Fault =
    faults[1] === 'none' ? 'none' : faults.includes('validator') ? 'validator' : 'miner';
  return { ...base, ...second, attempts: 2, fault };
}

/** The same task to several miners at once (head-to-head); outcomes in the order of `targets`. */
export function queryMiners(
  dendrite: Dendrite,
  targets: readonly MinerTarget[],
  task: QueryTask,
  options: QueryOptions = {},
): Promise<QueryOutcome[]> {
  return Promise.all(targets.map((t) => queryMiner(dendrite, t, task, options)));
}

/**
 * A round in which every miner queried (at least `minMiners` distinct ones) was unreachable
 * (503 on both attempts) says the validator's own network is down: those outcomes become the
 * validator's fault. Other rounds are returned unchanged.
 */
export function reclassifyRound(outcomes: readonly QueryOutcome[], minMiners = 2): QueryOutcome[] {
  const miners = new Set(outcomes.map((o) => o.uid));
  const allUnreachable = outcomes.every(
    (o) => o.statusCode === StatusCode.Unavailable && o.fault === 'miner',
  );
  if (miners.size >= minMiners && allUnreachable) {
    return outcomes.map((o) => ({ ...o, fault: 'validator' }));
  }
  return [...outcomes];
}
