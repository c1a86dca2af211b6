/**
 * How the organic API reaches miners: a small interface, and its implementation over the
 * protocol's dendrite against miner axons taken from the metagraph (serving neurons other than
 * this validator). With a budget (the work loop's), each request goes to the miner with the most
 * spare capacity for its kind and replaces one of that miner's synthetic queries; when nobody has
 * room (or no period is planned yet) miners are taken in turn. On a failed or refused call the
 * next miner is tried. With a results repository, every attempt is stored as an organic result,
 * so organic answers count toward the miner's volume and speed like the synthetic ones they
 * replace.
 */
import { randomUUID } from 'node:crypto';
import type { Metagraph } from '@subnet/chain';
import { type AxonTarget, type Dendrite, StatusCode, type SynapseDef } from '@subnet/protocol';
import {
  Chat,
  type ChatInput,
  Completion,
  type CompletionInput,
  parseTextStreamEvent,
  type TaskKind,
  type TextStreamEvent,
} from '@subnet/protocol/tasks';
import type { Logger } from 'pino';
import type { TaskResultsRepo } from '../storage/index';

export type TextTask =
  | { kind: 'chat'; input: ChatInput }
  | { kind: 'completion'; input: CompletionInput };

export interface ImageResult {
  /** The miner's synapse fields (image_b64, image_hashes, ...). */
  fields: Record<string, unknown>;
  minerUid: number;
}

export interface MinerGateway {
  /** Streams a miner's answer; throws `GatewayUnavailable` when no miner could start one. */
  text(task: TextTask, signal: AbortSignal): AsyncIterable<TextStreamEvent>;
  image(def: SynapseDef, input: Record<string, unknown>, signal: AbortSignal): Promise<ImageResult>;
}

export class GatewayUnavailable extends Error {
  override readonly name = 'GatewayUnavailable';
}

/**
 * Every miner tried refused the request as malformed (400): the client's mistake, said back to
 * the client, not a failure of the miners (their refusals are stored unscored, see `#record`).
 */
export class GatewayRefused extends Error {
  override readonly name = 'GatewayRefused';
}

/** What the attempts of one request came to, to tell "no miner" from "the request is bad". */
class Attempts {
  #tried = 0;
  #refused = 0;
  #message = '';

  add(status: number, message: string | null | undefined): void {
    this.#tried++;
    if (status === StatusCode.BadRequest) {
      this.#refused++;
      this.#message ||= message ?? '';
    }
  }

  /** GatewayRefused when every miner tried answered 400, else GatewayUnavailable. */
  failure(): Error {
    return this.#tried > 0 && this.#refused === this.#tried
      ? new GatewayRefused(this.#message || 'the request was refused as malformed')
      : new GatewayUnavailable('no miner answered');
  }
}

export interface DendriteGatewayOptions {
  dendrite: Dendrite;
  /** The newest metagraph (the daemon's). */
  metagraph: () => Metagraph | undefined;
  /** This validator's hotkey, never queried. */
  selfHotkey: string;
  logger: Logger;
  /** Miners tried per request (default 3). */
  attempts?: number;
  /** The period budget organic work takes from (the work loop). */
  budget?: { takeOrganic?(kind: TaskKind, exclude: readonly number[]): number | undefined };
  /** Where each attempt is stored as an organic result. */
  results?: Pick<TaskResultsRepo, 'record'>;
  now?: () => number;
}

interface Target extends AxonTarget {
  uid: number;
}

export class DendriteGateway implements MinerGateway {
  readonly #o: DendriteGatewayOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  #next = 0;

  constructor(options: DendriteGatewayOptions) {
    this.#o = options;
    this.#log = options.logger.child({ module: 'gateway' });
    this.#now = options.now ?? Date.now;
  }

  /** Serving miners other than this validator, by uid. */
  #serving(): Map<number, Target> {
    const mg = this.#o.metagraph();
    return new Map(
      (mg?.neurons ?? [])
        .filter(
          (n) => n.hotkey !== this.#o.selfHotkey && n.axon.port > 0 && n.axon.ip !== '0.0.0.0',
        )
        .map((n) => [n.uid, { uid: n.uid, hotkey: n.hotkey, ip: n.axon.ip, port: n.axon.port }]),
    );
  }

  /**
   * The miners to try for one request of the kind, in order: each the budget's pick (most spare
   * capacity, not tried yet), else the next serving miner in turn.
   */
  *targets(kind: TaskKind): Generator<Target> {
    const serving = this.#serving();
    const inTurn = [...serving.values()];
    const start = inTurn.length === 0 ? 0 : this.#next++ % inTurn.length;
    const rotation = [...inTurn.slice(start), ...inTurn.slice(0, start)];
    const tried: number[] = [];
    while (tried.length < (this.#o.attempts ?? 3)) {
      const picked = this.#o.budget?.takeOrganic?.(kind, tried);
      const target =
        picked !== undefined && serving.has(picked)
          ? serving.get(picked)
          : rotation.find((t) => !tried.includes(t.uid));
      if (!target) return;
      tried.push(target.uid);
      yield target;
    }
  }

  /**
   * Stores one attempt as an organic result (a storage failure is logged, not thrown). An attempt
   * the client cut short (it went away) says nothing of the miner and is not stored; a refusal
   * (4xx) of an organic request is stored but not scored against the miner (the request was the
   * client's: see `TaskResultsRepo.summarize`).
   */
  async #record(a: {
    kind: TaskKind;
    target: Target;
    taskId: string;
    startedMs: number;
    status: number;
    error?: string | undefined;
    /** The client's request: aborted when it went away. */
    signal: AbortSignal;
  }): Promise<void> {
    if (!this.#o.results) return;
    if (a.status !== StatusCode.Success && a.signal.aborted) return;
    const { kind, target, taskId, startedMs, status, error } = a;
    const now = this.#now();
    await this.#o.results
      .record({
        taskId,
        taskKind: kind,
        organic: true,
        uid: target.uid,
        hotkey: target.hotkey,
        startedMs,
        durationMs: now - startedMs,
        statusCode: status,
        ...(error ? { error } : {}),
        createdMs: now,
      })
      .catch((err: unknown) => this.#log.warn({ err }, 'organic result not stored'));
  }

  async *text(task: TextTask, signal: AbortSignal): AsyncIterable<TextStreamEvent> {
    const def = task.kind === 'chat' ? Chat : Completion;
    const kind: TaskKind = task.kind === 'chat' ? 'Chat' : 'Completion';
    const taskId = `organic-${randomUUID()}`;
    const attempts = new Attempts();
    for (const target of this.targets(kind)) {
      const startedMs = this.#now();
      const stream = this.#o.dendrite.stream(target, def as SynapseDef, task.input as never, {
        signal,
      });
      let started = false;
      let ended = false;
      for (;;) {
        const step = await stream.next();
        if (step.done) {
          const { status_code: status, status_message: message } = step.value.dendrite;
          const code = status ?? StatusCode.InternalError;
          if (started && !ended) {
            // Cut off after the first token: the answer cannot move to another miner.
            await this.#record({
              kind,
              target,
              taskId,
              startedMs,
              status: code === 200 ? 502 : code,
              error: 'cut',
              signal,
            });
            yield {
              type: 'error',
              message: `the miner's stream ended early (${status} ${message})`,
            };
          }
          if (started) {
            if (ended)
              await this.#record({ kind, target, taskId, startedMs, status: code, signal });
            return;
          }
          await this.#record({
            kind,
            target,
            taskId,
            startedMs,
            status: code,
            error: message ?? undefined,
            signal,
          });
          attempts.add(code, message);
          this.#log.warn(
            { uid: target.uid, status, message },
            'miner did not stream an answer; trying the next',
          );
          break;
        }
        started = true;
        let event: TextStreamEvent;
        try {
          event = parseTextStreamEvent(step.value);
        } catch (err) {
          await stream.return(step.value as never);
          throw err;
        }
        if (event.type !== 'token') ended = true;
        yield event;
      }
      if (signal.aborted) return;
    }
    throw attempts.failure();
  }

  async image(
    def: SynapseDef,
    input: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<ImageResult> {
    const kind = def.name as TaskKind;
    const taskId = `organic-${randomUUID()}`;
    const attempts = new Attempts();
    for (const target of this.targets(kind)) {
      const startedMs = this.#now();
      const answered = (await this.#o.dendrite.call(target, def, input as never, {
        signal,
      })) as unknown as Record<string, unknown> & {
        dendrite: { status_code?: number | null; status_message?: string | null };
      };
      const status = answered.dendrite.status_code ?? StatusCode.InternalError;
      if (status === StatusCode.Success && answered.image_b64) {
        await this.#record({ kind, target, taskId, startedMs, status, signal });
        return { fields: answered, minerUid: target.uid };
      }
      await this.#record({
        kind,
        target,
        taskId,
        startedMs,
        status: status === StatusCode.Success ? 502 : status,
        error: answered.dendrite.status_message ?? 'no image',
        signal,
      });
      attempts.add(status, answered.dendrite.status_message);
      this.#log.warn(
        { uid: target.uid, status: answered.dendrite.status_code },
        'miner did not answer the image task; trying the next',
      );
      if (signal.aborted) break;
    }
    throw attempts.failure();
  }
}
