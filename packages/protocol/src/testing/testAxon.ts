/**
 * A real axon on loopback for tests and the demo: node:http mounting the request path every axon
 * of the project shares (`axonRequestListener` → `handleAxonRequest`: verification, 413 bounds,
 * the signed answer, streams, the disconnect signal). A test states only what its axon does, in
 * `serve`; nothing of the request path is written again here. The miner's axon adds its metagraph
 * blacklist, priority and concurrency limits around the same path.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AxonHandlerContext } from '../axonHandler';
import { axonRequestListener } from '../axonHttp';
import type { Hotkey } from '../keys';
import { NonceWindow, type NonceWindowOptions } from '../nonceWindow';
import type { AxonIdentity } from '../response';
import { StatusCode } from '../statusCodes';
import type { SynapseDef } from '../synapse';
import { synapseRegistry } from '../synapseRegistry';
import { SignatureVerifier } from '../verifier';
import type { SignatureCheck, VerifyContext } from '../verifyRequest';

export interface TestAxonOptions {
  hotkey: Hotkey;
  synapses: readonly SynapseDef[];
  /** What the axon does with a verified call; by default every call is answered 404 `no handler`. */
  serve?: AxonHandlerContext['serve'];
  blacklist?: VerifyContext['blacklist'];
  /** Largest request body in bytes (default 1 MiB); larger ones are answered 413. */
  bodyLimit?: number;
  /** Bytes of bodies held at once over all requests (default 8 × bodyLimit); past it, 503. */
  bodyBudget?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** The axon's uuid in its answers (default: a random one). */
  uuid?: string;
  /** Options of the axon's replay window. */
  nonces?: NonceWindowOptions;
  /** Default: a `SignatureVerifier` on this thread. */
  verifier?: SignatureCheck;
  onRefused?: AxonHandlerContext['onRefused'];
}

export interface TestAxon {
  port: number;
  host: string;
  /** The axon's hotkey address. */
  hotkey: string;
  identity: AxonIdentity;
  nonces: NonceWindow;
  server: Server;
  /**
   * Stops listening and ends every open connection, keep-alive ones included. A test may close its
   * axon early (a miner going down) and again in its teardown: later calls give the first's promise.
   */
  close(): Promise<void>;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

const noHandler: AxonHandlerContext['serve'] = () => ({
  status: StatusCode.NotFound,
  message: 'no handler',
});

export async function createTestAxon(options: TestAxonOptions): Promise<TestAxon> {
  const identity: AxonIdentity = { hotkey: options.hotkey, uuid: options.uuid ?? randomUUID() };
  const nonces = new NonceWindow(options.nonces);
  const ctx: AxonHandlerContext = {
    identity,
    axonHotkey: options.hotkey.address,
    synapses: synapseRegistry(options.synapses),
    nonces,
    verifier: options.verifier ?? new SignatureVerifier(),
    serve: options.serve ?? noHandler,
    ...(options.blacklist ? { blacklist: options.blacklist } : {}),
    ...(options.onRefused ? { onRefused: options.onRefused } : {}),
  };
  const server = createServer(
    axonRequestListener(ctx, {
      bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
      ...(options.bodyBudget === undefined ? {} : { bodyBudget: options.bodyBudget }),
    }),
  );
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closed: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    host,
    hotkey: options.hotkey.address,
    identity,
    nonces,
    server,
    close: () => {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
