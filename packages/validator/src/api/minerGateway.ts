/**
 * How the organic API reaches miners: a small interface, and its implementation over the
 * protocol's dendrite against miner axons taken from the metagraph (serving neurons other than
 * this validator, in turn; on a failed or refused call the next miner is tried).
 */
import type { Metagraph } from '@subnet/chain';
import { type AxonTarget, type Dendrite, StatusCode, type SynapseDef } from '@subnet/protocol';
import {
  Chat,
  type ChatInput,
  Completion,
  type CompletionInput,
  parseTextStreamEvent,
  type TextStreamEvent,
} from '@subnet/protocol/tasks';
import type { Logger } from 'pino';

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

export interface DendriteGatewayOptions {
  dendrite: Dendrite;
  /** The newest metagraph (the daemon's). */
  metagraph: () => Metagraph | undefined;
  /** This validator's hotkey, never queried. */
  selfHotkey: string;
  logger: Logger;
  /** Miners tried per request (default 3). */
  attempts?: number;
}

interface Target extends AxonTarget {
  uid: number;
}

export class DendriteGateway implements MinerGateway {
  readonly #o: DendriteGatewayOptions;
  readonly #log: Logger;
  #next = 0;

  constructor(options: DendriteGatewayOptions) {
    this.#o = options;
    this.#log = options.logger.child({ module: 'gateway' });
  }

  /** Serving miners, starting after the one used last. */
  targets(): Target[] {
    const mg = this.#o.metagraph();
    const serving = (mg?.neurons ?? [])
      .filter((n) => n.hotkey !== this.#o.selfHotkey && n.axon.port > 0 && n.axon.ip !== '0.0.0.0')
      .map((n) => ({ uid: n.uid, hotkey: n.hotkey, ip: n.axon.ip, port: n.axon.port }));
    if (serving.length === 0) return [];
    const start = this.#next++ % serving.length;
    return [...serving.slice(start), ...serving.slice(0, start)].slice(0, this.#o.attempts ?? 3);
  }

  async *text(task: TextTask, signal: AbortSignal): AsyncIterable<TextStreamEvent> {
    const def = task.kind === 'chat' ? Chat : Completion;
    for (const target of this.targets()) {
      const stream = this.#o.dendrite.stream(target, def as SynapseDef, task.input as never, {
        signal,
      });
      let started = false;
      let ended = false;
      for (;;) {
        const step = await stream.next();
        if (step.done) {
          const { status_code: status, status_message: message } = step.value.dendrite;
          if (started && !ended) {
            // Cut off after the first token: the answer cannot move to another miner.
            yield {
              type: 'error',
              message: `the miner's stream ended early (${status} ${message})`,
            };
          }
          if (started) return;
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
    throw new GatewayUnavailable('no miner answered');
  }

  async image(
    def: SynapseDef,
    input: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<ImageResult> {
    for (const target of this.targets()) {
      const answered = (await this.#o.dendrite.call(target, def, input as never, {
        signal,
      })) as unknown as Record<string, unknown> & { dendrite: { status_code?: number | null } };
      if (answered.dendrite.status_code === StatusCode.Success && answered.image_b64) {
        return { fields: answered, minerUid: target.uid };
      }
      this.#log.warn(
        { uid: target.uid, status: answered.dendrite.status_code },
        'miner did not answer the image task; trying the next',
      );
      if (signal.aborted) break;
    }
    throw new GatewayUnavailable('no miner answered');
  }
}
