/**
 * The dendrite: signs synapses and sends them to axons over HTTP, as the SDK's `bt.dendrite` does,
 * with connection reuse (one keep-alive pool per axon), per-call timeouts, fan-out to many axons,
 * streamed answers, and the SDK's client-side codes: 408 timeout, 422 unparsable answer,
 * 503 unreachable. A call never throws for a network or peer failure: the returned synapse
 * carries the outcome in `dendrite.status_code` / `status_message`, as in the SDK.
 *
 * Every call is bounded whatever the axon does (see `callGuard.ts`): a total deadline (the
 * synapse's `timeout`), connect / first-byte / idle deadlines inside it (408, the message names the
 * deadline), and caps on answer bytes and stream events (422). A breach destroys the connection.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request, errors as undiciErrors } from 'undici';
import { parseBodyFields, parseJsonObject, terminalFromBody, toBody } from './body';
import { bodyHash } from './bodyHash';
import { type CallDeadlines, CallGuard } from './callGuard';
import { ProtocolError } from './errors';
import { parseHeaders, toHeaders } from './headers';
import type { Hotkey } from './keys';
import { nextNonce, signRequest } from './signing';
import { StatusCode } from './statusCodes';
import { StreamEventDecoder } from './streamEvents';
import {
  createSynapse,
  type Synapse,
  type SynapseDef,
  type SynapseFields,
  type SynapseInput,
} from './synapse';
import type { TerminalInfo } from './terminalInfo';
import { PROTOCOL_VERSION } from './version';

export interface AxonTarget {
  ip: string;
  port: number;
  hotkey: string;
}

export interface DendriteOptions {
  hotkey: Hotkey;
  /** Stable per dendrite; a new random one by default. */
  uuid?: string;
  /** Our public IP, announced in `bt_header_dendrite_ip` (never looked up over the network). */
  externalIp?: string;
  /** Largest answer accepted, streamed or not, in bytes (default 64 MiB); larger answers get 422. */
  maxResponseBytes?: number;
  /** Most events accepted in one streamed answer (default 100 000); more get 422. */
  maxStreamEvents?: number;
  /** Keep-alive connections per axon (default 8). */
  connectionsPerAxon?: number;
}

export interface CallOptions {
  /** Seconds, the total deadline (default: the synapse definition's default timeout). */
  timeout?: number;
  /** Deadlines inside the total, in milliseconds (see `CallDeadlines` for the defaults). */
  deadlines?: CallDeadlines;
  /** Cancels the call (the axon sees the connection close). */
  signal?: AbortSignal;
  /** Largest answer of this call, bytes: at most the dendrite's own `maxResponseBytes`. */
  maxResponseBytes?: number;
}

type Def = SynapseDef;

/** Longest status message the dendrite writes from what a peer sent. */
const STATUS_MESSAGE_MAX_CHARS = 500;

function bounded(message: string): string {
  return message.length > STATUS_MESSAGE_MAX_CHARS
    ? `${message.slice(0, STATUS_MESSAGE_MAX_CHARS - 3)}...`
    : message;
}

export class Dendrite {
  readonly uuid: string;
  readonly hotkey: Hotkey;
  readonly externalIp: string;
  readonly #agent: Agent;
  readonly #maxResponseBytes: number;
  readonly #maxStreamEvents: number;

  constructor(options: DendriteOptions) {
    this.hotkey = options.hotkey;
    this.uuid = options.uuid ?? randomUUID();
    this.externalIp = options.externalIp ?? '127.0.0.1';
    this.#maxResponseBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
    this.#maxStreamEvents = options.maxStreamEvents ?? 100_000;
    // undici's own timeouts are off: each call's guard enforces its deadlines (callGuard.ts).
    this.#agent = new Agent({
      connections: options.connectionsPerAxon ?? 8,
      keepAliveTimeout: 30_000,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  /** Builds a signed request: the synapse as sent, its headers and its body. */
  prepare<D extends Def>(
    target: AxonTarget,
    def: D,
    input: SynapseInput<D> | Synapse<SynapseFields<D>>,
    timeout?: number,
  ): {
    synapse: Synapse<SynapseFields<D>>;
    headers: Record<string, string>;
    body: string;
    url: string;
  } {
    const synapse = createSynapse(def, input as never, {
      timeout: timeout ?? def.defaultTimeout,
    }) as Synapse<SynapseFields<D>>;
    const hash = bodyHash(def, synapse as unknown as Record<string, unknown>);
    const nonce = nextNonce();
    const dendrite: TerminalInfo = {
      ip: this.externalIp,
      version: PROTOCOL_VERSION,
      nonce,
      uuid: this.uuid,
      hotkey: this.hotkey.address,
    };
    dendrite.signature = signRequest(this.hotkey, {
      nonce,
      dendriteHotkey: this.hotkey.address,
      axonHotkey: target.hotkey,
      uuid: this.uuid,
      bodyHash: hash,
    });
    synapse.dendrite = dendrite;
    synapse.axon = { ip: target.ip, port: target.port, hotkey: target.hotkey };
    synapse.computed_body_hash = hash;
    const body = toBody(def, synapse);
    synapse.total_size = Buffer.byteLength(body);
    const headers = toHeaders(def, synapse, { bodyHash: hash, totalSize: synapse.total_size });
    headers['content-type'] = 'application/json';
    return { synapse, headers, body, url: this.#url(target, def.name) };
  }

  #url(target: AxonTarget, name: string): string {
    // An axon announcing our own public IP is on this machine: go over loopback (the SDK uses 0.0.0.0).
    let host = target.ip === this.externalIp && !target.ip.includes(':') ? '127.0.0.1' : target.ip;
    if (host.includes(':')) host = `[${host}]`;
    return `http://${host}:${target.port}/${name}`;
  }

  /** One call; resolves with the answered (or failed) synapse. */
  async call<D extends Def>(
    target: AxonTarget,
    def: D,
    input: SynapseInput<D> | Synapse<SynapseFields<D>>,
    options: CallOptions = {},
  ): Promise<Synapse<SynapseFields<D>>> {
    const started = performance.now();
    const timeoutS = options.timeout ?? def.defaultTimeout;
    const prepared = this.prepare(target, def, input, timeoutS);
    const { synapse } = prepared;
    const guard = this.#guard(timeoutS, options, false);
    try {
      const res = await this.#post(prepared, guard);
      const text = await this.#readText(res.body);
      guard.dispose();
      this.#processAnswer(def, synapse, res.statusCode, res.headers, text);
    } catch (e) {
      this.#processError(def, synapse, e, guard);
    } finally {
      guard.dispose();
    }
    synapse.dendrite.process_time = (performance.now() - started) / 1000;
    return synapse;
  }

  /** The same synapse to many axons at once; answers in the order of `targets`. */
  forward<D extends Def>(
    targets: readonly AxonTarget[],
    def: D,
    input: SynapseInput<D>,
    options: CallOptions = {},
  ): Promise<Synapse<SynapseFields<D>>[]> {
    return Promise.all(targets.map((t) => this.call(t, def, input, options)));
  }

  /**
   * A streamed call: yields each event of the answer as it arrives, then returns the final
   * synapse (with the status of the call). Breaking out of the loop cancels the request.
   */
  async *stream<D extends Def>(
    target: AxonTarget,
    def: D,
    input: SynapseInput<D>,
    options: CallOptions = {},
  ): AsyncGenerator<unknown, Synapse<SynapseFields<D>>, undefined> {
    const started = performance.now();
    const timeoutS = options.timeout ?? def.defaultTimeout;
    const prepared = this.prepare(target, def, input, timeoutS);
    const { synapse } = prepared;
    const guard = this.#guard(timeoutS, options, true);
    try {
      const res = await this.#post(prepared, guard);
      const type = String(res.headers['content-type'] ?? '');
      if (res.statusCode !== StatusCode.Success || !type.startsWith('text/event-stream')) {
        const text = await this.#readText(res.body);
        guard.dispose();
        this.#processAnswer(def, synapse, res.statusCode, res.headers, text);
      } else {
        // Chunks arrive as bytes; the decoder keeps a UTF-8 character split between two whole.
        const decoder = new StreamEventDecoder();
        let events = 0;
        for await (const chunk of res.body) {
          for (const event of decoder.push(chunk as Uint8Array)) {
            if (++events > this.#maxStreamEvents) {
              throw guard.fail(
                StatusCode.UnprocessableResponse,
                `Stream too long: more than ${this.#maxStreamEvents} events`,
              );
            }
            guard.hold();
            yield event;
            guard.touch();
          }
        }
        if (decoder.hasRemainder)
          throw new ProtocolError('PROTOCOL_BAD_BODY', 'the stream ended inside an event');
        guard.dispose();
        this.#mergeHeaders(synapse, res.headers, res.statusCode);
      }
    } catch (e) {
      this.#processError(def, synapse, e, guard);
    } finally {
      // A no-op after a normal end (the guard is disposed); when the caller left the loop early,
      // or the stream failed, this aborts the request and frees its socket.
      guard.fail(StatusCode.Timeout, 'Request cancelled by the caller');
      guard.dispose();
    }
    synapse.dendrite.process_time = (performance.now() - started) / 1000;
    return synapse;
  }

  /** Closes pooled connections. */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  #guard(timeoutS: number, options: CallOptions, streaming: boolean): CallGuard {
    return new CallGuard({
      totalS: timeoutS,
      deadlines: options.deadlines,
      streaming,
      maxBytes: Math.min(
        this.#maxResponseBytes,
        options.maxResponseBytes ?? Number.POSITIVE_INFINITY,
      ),
      signal: options.signal,
    });
  }

  #post(
    prepared: { url: string; headers: Record<string, string>; body: string },
    guard: CallGuard,
  ) {
    return guard.race(
      request(prepared.url, {
        method: 'POST',
        headers: prepared.headers,
        body: prepared.body,
        dispatcher: this.#agent.compose(guard.interceptor),
        signal: guard.signal,
      }),
    );
  }

  /** The whole body; its size is capped by the call's guard. */
  async #readText(body: AsyncIterable<Buffer | string>): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
    return Buffer.concat(chunks).toString('utf8');
  }

  #processAnswer(
    def: Def,
    synapse: Synapse,
    status: number,
    headers: Record<string, string | string[] | undefined>,
    text: string,
  ): void {
    const json = parseJsonObject(text);
    if (status === StatusCode.Success) {
      if (typeof json.name === 'string' && json.name !== def.name) {
        throw new ProtocolError(
          'PROTOCOL_BAD_BODY',
          `the answer is a '${json.name.slice(0, 64)}' synapse, not a '${def.name}'`,
        );
      }
      const fields = parseBodyFields(def, json);
      Object.assign(synapse, fields);
      const bodyAxon = terminalFromBody(json.axon);
      synapse.axon = { ...synapse.axon, ...bodyAxon };
    } else {
      synapse.axon.status_code = status;
      synapse.axon.status_message = typeof json.message === 'string' ? json.message : null;
    }
    this.#mergeHeaders(synapse, headers, status);
  }

  #mergeHeaders(
    synapse: Synapse,
    headers: Record<string, string | string[] | undefined>,
    status: number,
  ): void {
    const parsed = parseHeaders(headers);
    const keep = (info: TerminalInfo) =>
      Object.fromEntries(
        Object.entries(info).filter(([, v]) => v !== null && v !== undefined),
      ) as TerminalInfo;
    synapse.dendrite = { ...keep(synapse.dendrite), ...keep(parsed.dendrite) };
    synapse.axon = { ...keep(synapse.axon), ...keep(parsed.axon) };
    if (synapse.axon.status_code === undefined || synapse.axon.status_code === null)
      synapse.axon.status_code = status;
    synapse.dendrite.status_code = synapse.axon.status_code;
    synapse.dendrite.status_message = synapse.axon.status_message ?? null;
  }

  #processError(def: Def, synapse: Synapse, e: unknown, guard: CallGuard): void {
    const where = `${synapse.axon.ip}:${synapse.axon.port}/${def.name}`;
    let code: number;
    let message: string;
    const err = e as { name?: string; code?: string; message?: string; cause?: { code?: string } };
    const causeCode = err.code ?? err.cause?.code;
    const failure = guard.failure;
    if (failure) {
      code = failure.status;
      message = failure.message;
    } else if (
      causeCode === 'ECONNREFUSED' ||
      causeCode === 'EHOSTUNREACH' ||
      causeCode === 'ENETUNREACH' ||
      causeCode === 'EADDRNOTAVAIL' ||
      causeCode === 'ENOTFOUND'
    ) {
      code = StatusCode.Unavailable;
      message = `Service unavailable at ${where}`;
    } else if (
      e instanceof undiciErrors.SocketError ||
      causeCode === 'ECONNRESET' ||
      causeCode === 'EPIPE'
    ) {
      code = StatusCode.Unavailable;
      message = bounded(`Service disconnected: ${err.message ?? ''}`.trim());
    } else {
      code = StatusCode.UnprocessableResponse;
      message = bounded(`Failed to parse response: ${err.message ?? String(e)}`);
    }
    synapse.dendrite.status_code = code;
    synapse.dendrite.status_message = message;
  }
}
