/**
 * A TCP proxy on loopback for outage tests: clients connect to `endpoint` and are piped to the
 * target (a devnet's websocket port). `cut()` closes the listener and destroys every open
 * connection, so clients see the connection drop and reconnects are refused (ECONNREFUSED), as
 * when a node goes away; `restore()` listens again on the same port. `stall()` keeps connections
 * open but holds back what would cross them, as a network partition that no side notices;
 * `unstall()` lets it through again, as when the partition heals. Never for real networks.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

export interface TcpProxyOptions {
  /** Where to forward to. */
  targetHost: string;
  targetPort: number;
  /** Port to listen on; 0 (default) picks a free one, kept across `cut()` / `restore()`. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
}

export interface TcpProxy {
  /** `ws://host:port`, for a websocket target. */
  readonly endpoint: string;
  readonly host: string;
  readonly port: number;
  /** Whether the proxy is listening (not cut). */
  readonly up: boolean;
  /** Connections accepted since the proxy started. */
  readonly accepted: number;
  /** Connections open now (a client that closed its connection is no longer counted). */
  readonly open: number;
  /** Stops listening and destroys every open connection (both sides). */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  /** Holds back every byte in both directions from now on, connections left open. */
  stall(): void;
  /** Forwards again, what was held back first. */
  unstall(): void;
  /** `cut()` for good. */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/** Starts a proxy listening on `host:port` that forwards every connection to the target. */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const host = options.host ?? '127.0.0.1';
  /** Each open connection's two sockets (client, upstream). */
  const pairs = new Set<[Socket, Socket]>();
  const hold = ([a, b]: [Socket, Socket]) => {
    // Unpiped first: a pipe resumes its source on 'drain'.
    a.unpipe(b);
    b.unpipe(a);
    a.pause();
    b.pause();
  };
  const forward = ([a, b]: [Socket, Socket]) => {
    a.pipe(b);
    b.pipe(a);
  };
  let accepted = 0;
  let closed = false;
  let stalled = false;

  const makeServer = () =>
    createServer((client) => {
      accepted++;
      const upstream = tcpConnect({ host: options.targetHost, port: options.targetPort });
      const pair: [Socket, Socket] = [client, upstream];
      pairs.add(pair);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        pairs.delete(pair);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      if (stalled) hold(pair);
      else forward(pair);
    });

  let server: Server | undefined = makeServer();
  const port = await listen(server, options.port ?? 0, host);

  const cut = async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    const stopped = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
    await stopped;
  };

  return {
    endpoint: `ws://${host}:${port}`,
    host,
    port,
    get up() {
      return server !== undefined;
    },
    get accepted() {
      return accepted;
    },
    get open() {
      return pairs.size;
    },
    cut,
    stall() {
      if (stalled) return;
      stalled = true;
      for (const pair of pairs) hold(pair);
    },
    unstall() {
      if (!stalled) return;
      stalled = false;
      for (const pair of pairs) forward(pair);
    },
    async restore() {
      if (closed) throw new Error('the proxy is closed');
      if (server) return;
      const s = makeServer();
      await listen(s, port, host);
      server = s;
    },
    async close() {
      closed = true;
      await cut();
    },
  };
}
