/**
 * Querying miners with the protocol's dendrite. Chat and Completion stream: their events are
 * folded into the synapse's outputs with `foldTextStream`; other kinds answer in one body.
 *
 * Every query runs under deadlines the validator sets, whatever the miner does: the dendrite's
 * connect, first-byte, idle and total deadlines, and an absolute `deadlineMs` (the period's end)
 * that no attempt runs past. Whose fault a failure is:
 * - `validator`: only when the validator itself cancelled the query (it is stopping).
 * - `miner`: everything else: timeouts, 5xx, unparsable or broken answers, and refusals (4xx)
 *   of the validator's well-formed synthetic tasks, which are built through the synapse's own
 *   schema. Refusing work is not free.
 * A failed attempt is retried once when it failed fast (not a timeout) and time is left; one
 * failure followed by a good answer is not a fault. A network failure on the validator's own side
 * reads as 503 or 408 like a miner that is down; the period tells them apart afterwards
 * (`findOutages`: every miner failing at once).
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
  /** Total seconds of one query, retry included (default: the synapse's own). */
  timeoutS?: number;
  /** No attempt runs past this epoch ms (the period's deadline). */
  deadlineMs?: number;
  /** Dendrite deadlines of each attempt: connect and the longest gap between stream events. */
  connectMs?: number;
  idleMs?: number;
  /** Largest answer accepted, bytes (default the dendrite's cap). */
  maxAnswerBytes?: number;
  /** Cancels the query (the validator is stopping): the failure is then the validator's. */
  signal?: AbortSignal;
  /** Epoch ms clock (default Date.now). */
  now?: () => number;
}

/** Whose fault a status code is, for one attempt (see the module comment). */
export function faultOf(statusCode: number, cancelled = false): Fault {
  if (statusCode === StatusCode.Success) return 'none';
  return cancelled ? 'validator' : 'miner';
}

/** Shortest time left worth a second attempt. */
const RETRY_MIN_MS = 1_000;
/** Shortest attempt the dendrite is given (its timeouts are whole milliseconds). */
const ATTEMPT_MIN_MS = 50;

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
  budgetMs: number,
): Promise<Attempt> {
  const def = TASK_SYNAPSE_BY_KIND[task.kind] as SynapseDef;
  const startedMs = (options.now ?? Date.now)();
  const t0 = performance.now();
  const deadlines = {
    ...(options.connectMs !== undefined ? { connectMs: options.connectMs } : {}),
    ...(options.idleMs !== undefined ? { idleMs: options.idleMs } : {}),
  };
  const call = {
    timeout: Math.max(ATTEMPT_MIN_MS, budgetMs) / 1000,
    ...(Object.keys(deadlines).length > 0 ? { deadlines } : {}),
    ...(options.maxAnswerBytes !== undefined ? { maxResponseBytes: options.maxAnswerBytes } : {}),
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

/** Sends the task to one miner, retrying a fast failure once; never throws for a peer failure. */
export async function queryMiner(
  dendrite: Dendrite,
  target: MinerTarget,
  task: QueryTask,
  options: QueryOptions = {},
): Promise<QueryOutcome> {
  const base = { taskId: task.id, kind: task.kind, uid: target.uid, hotkey: target.hotkey };
  const now = options.now ?? Date.now;
  const def = TASK_SYNAPSE_BY_KIND[task.kind] as SynapseDef;
  const totalMs = (options.timeoutS ?? def.defaultTimeout) * 1000;
  const endMs = Math.min(now() + totalMs, options.deadlineMs ?? Number.POSITIVE_INFINITY);
  const cancelled = () => options.signal?.aborted === true;
  const first = await attemptOnce(dendrite, target, task, options, endMs - now());
  if (first.statusCode === StatusCode.Success)
    return { ...base, ...first, attempts: 1, fault: 'none' };
  if (cancelled()) return { ...base, ...first, attempts: 1, fault: 'validator' };
  const left = endMs - now();
  if (first.statusCode === StatusCode.Timeout || left < RETRY_MIN_MS)
    return { ...base, ...first, attempts: 1, fault: 'miner' };
  const second = await attemptOnce(dendrite, target, task, options, left);
  return { ...base, ...second, attempts: 2, fault: faultOf(second.statusCode, cancelled()) };
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
