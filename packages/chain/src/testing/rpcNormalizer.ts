/**
 * A WebSocket JSON-RPC proxy on loopback that puts a chopsticks devnet in front of clients that
 * speak to it as they speak to a real node. Every frame crosses unchanged, in both directions,
 * except one thing: the data parameter of a `state_call` request (`params[1]`, SCALE bytes in
 * hex) gets the `0x` prefix when it lacks it. A real node (jsonrpsee's `Bytes`) accepts hex with
 * or without the prefix; chopsticks requires it (`hexadecimal string doesn't start with 0x`), and
 * the reference Python SDK (bittensor 10.5) sends runtime-API calls without it. Nothing else is
 * normalized, so any other difference between chopsticks and a node still shows.
 *
 * Hardening: frames above `maxMessageBytes` close the connection (1009); a client's frames sent
 * before the upstream connection opens are queued up to `maxQueuedMessages`; when one side
 * closes or fails the other is closed too; `close()` ends every connection and the listener.
 * Test-only: never in front of a real network.
 */
import type { AddressInfo } from 'node:net';
import { type RawData, WebSocket, WebSocketServer } from 'ws';

export interface RpcNormalizerOptions {
  /** The JSON-RPC WebSocket endpoint to forward to (`ws://host:port`, a devnet's endpoint). */
  target: string;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Largest frame accepted from either side (default 32 MiB; the metadata is the largest answer). */
  maxMessageBytes?: number;
  /** Client frames held while the upstream connection opens (default 1024). */
  maxQueuedMessages?: number;
}

export interface RpcNormalizer {
  /** `ws://host:port` to connect clients to. */
  readonly endpoint: string;
  readonly host: string;
  readonly port: number;
  /** `state_call` requests given the `0x` prefix so far. */
  readonly rewritten: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Ends every open connection (both sides) and stops listening. */
  close(): Promise<void>;
}

const HEX_WITHOUT_PREFIX = /^[0-9a-fA-F]*$/;

/** A request with the `0x` prefix added to its `state_call` data, or undefined when none lacks it. */
function prefixed(request: unknown): unknown {
  if (typeof request !== 'object' || request === null) return undefined;
  const { method, params } = request as { method?: unknown; params?: unknown };
  if (method !== 'state_call' || !Array.isArray(params)) return undefined;
  const data: unknown = params[1];
  if (typeof data !== 'string' || data.startsWith('0x') || !HEX_WITHOUT_PREFIX.test(data)) {
    return undefined;
  }
  return { ...request, params: [params[0], `0x${data}`, ...params.slice(2)] };
}

/**
 * The text of a client frame as it goes upstream: unchanged (the same string) unless it is a
 * `state_call` request, or a batch holding one, whose data lacks the prefix.
 */
export function normalizeRpcText(text: string): { text: string; rewritten: number } {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { text, rewritten: 0 };
  }
  if (Array.isArray(message)) {
    let rewritten = 0;
    const batch = message.map((m: unknown) => {
      const p = prefixed(m);
      if (p === undefined) return m;
      rewritten++;
      return p;
    });
    return rewritten === 0 ? { text, rewritten } : { text: JSON.stringify(batch), rewritten };
  }
  const p = prefixed(message);
  return p === undefined ? { text, rewritten: 0 } : { text: JSON.stringify(p), rewritten: 1 };
}

/** Close codes that may be sent in a close frame (RFC 6455 7.4; 1005/1006 are local only). */
function sendableCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}

function closeWith(socket: WebSocket, code: number): void {
  if (socket.readyState === WebSocket.CLOSED) return;
  if (socket.readyState === WebSocket.CONNECTING) {
    socket.terminate();
    return;
  }
  if (sendableCode(code)) socket.close(code);
  else socket.close();
}

function toText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** Starts the proxy; resolves once it listens. */
export async function startRpcNormalizer(options: RpcNormalizerOptions): Promise<RpcNormalizer> {
  const host = options.host ?? '127.0.0.1';
  const maxPayload = options.maxMessageBytes ?? 32 * 1024 * 1024;
  const maxQueued = options.maxQueuedMessages ?? 1024;
  const sockets = new Set<WebSocket>();
  let rewritten = 0;
  let accepted = 0;

  const server = new WebSocketServer({ host, port: options.port ?? 0, maxPayload });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.on('error', () => undefined);

  server.on('connection', (client) => {
    accepted++;
    const upstream = new WebSocket(options.target, { maxPayload, perMessageDeflate: false });
    sockets.add(client).add(upstream);
    const queued: { data: RawData | string; binary: boolean }[] = [];
    const drop = (code: number) => {
      closeWith(client, code);
      closeWith(upstream, code);
    };

    client.on('message', (data, isBinary) => {
      let out: RawData | string = data;
      if (!isBinary) {
        const normalized = normalizeRpcText(toText(data));
        rewritten += normalized.rewritten;
        if (normalized.rewritten > 0) out = normalized.text;
      }
      if (upstream.readyState === WebSocket.OPEN) upstream.send(out, { binary: isBinary });
      else if (queued.length < maxQueued) queued.push({ data: out, binary: isBinary });
      else drop(1008);
    });
    upstream.on('open', () => {
      for (const m of queued.splice(0)) upstream.send(m.data, { binary: m.binary });
    });
    upstream.on('message', (data, isBinary) => {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    });
    client.on('close', (code) => {
      sockets.delete(client);
      drop(code);
    });
    upstream.on('close', (code) => {
      sockets.delete(upstream);
      drop(code);
    });
    // 'close' follows every 'error'; 1011 for the side that is still open.
    client.on('error', () => drop(1011));
    upstream.on('error', () => drop(1011));
  });

  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `ws://${host}:${port}`,
    host,
    port,
    get rewritten() {
      return rewritten;
    },
    get accepted() {
      return accepted;
    },
    close() {
      for (const s of sockets) s.terminate();
      sockets.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
