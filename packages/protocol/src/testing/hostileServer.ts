/**
 * The server of a hostile axon: a liar on plain `node:http` (or `node:net` for `hang-connect`).
 * It verifies nothing; it reads the caller's synapse from the body only to answer in the shape our
 * axon answers (`response.ts`). `Capacity` is answered from the given capacities; every other path
 * misbehaves as the mode says (`hostileModes.ts`). Each misbehaviour stops when its socket closes.
 */
import { randomUUID } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { parseBodyFields, parseJsonObject } from '../body';
import { parseHeaders } from '../headers';
import type { Hotkey } from '../keys';
import { type AxonIdentity, buildErrorResponse, buildResponse } from '../response';
import { encodeStreamEvent } from '../streamEvents';
import type { Synapse, SynapseDef } from '../synapse';
import { Capacity } from '../tasks/capacity';
import { TASK_SYNAPSES } from '../tasks/taskSynapses';
import { decompressionBombPng } from './bombPng';
import { HOSTILE_VOLUMES, type HostileMode, HUGE_ANSWER_BYTES } from './hostileModes';

export interface HostileServerOptions {
  mode: HostileMode;
  host: string;
  port: number;
  /** The capacities record answered to `Capacity` (kinds → { volume, models, loras }). */
  capacity: Record<string, unknown>;
  /** Signs its answers like an honest axon (the dendrite does not check axon signatures). */
  hotkey: Hotkey;
}

export interface HostileServer {
  port: number;
  close(): Promise<void>;
}

const REQUEST_BODY_MAX_BYTES = 1024 * 1024;
const DRIP_INTERVAL_MS = 1_000;

const tokenEvent = (index: number) =>
  encodeStreamEvent({ type: 'token', index, token: 'x', logprob: -0.5, top_logprobs: [] });

function defByName(name: string): SynapseDef | undefined {
  return TASK_SYNAPSES.find((d) => d.name === name);
}

/** The caller's synapse as far as it parses; never throws (a liar does not refuse bad input). */
function callerSynapse(def: SynapseDef, req: IncomingMessage, body: string): Synapse {
  let fields: Record<string, unknown> = {};
  let dendrite = {};
  try {
    fields = parseBodyFields(def, parseJsonObject(body));
  } catch {}
  try {
    dendrite = parseHeaders(req.headers).dendrite;
  } catch {}
  return {
    ...fields,
    name: def.name,
    timeout: def.defaultTimeout,
    total_size: 0,
    header_size: 0,
    computed_body_hash: '',
    dendrite,
    axon: {},
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= REQUEST_BODY_MAX_BYTES) chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

/** Writes `next()` chunks while the socket drains, until it returns undefined or the socket closes. */
function pump(res: ServerResponse, next: () => string | undefined, onEnd?: () => void): void {
  const step = () => {
    while (!res.destroyed) {
      const chunk = next();
      if (chunk === undefined) {
        onEnd?.();
        return;
      }
      if (!res.write(chunk)) {
        res.once('drain', step);
        return;
      }
    }
  };
  step();
}

export function listenHostileServer(o: HostileServerOptions): Promise<HostileServer> {
  return o.mode === 'hang-connect' ? listenSilent(o) : listenHttp(o);
}

async function listenSilent(o: HostileServerOptions): Promise<HostileServer> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    socket.pause();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function listenHttp(o: HostileServerOptions): Promise<HostileServer> {
  const id: AxonIdentity = { hotkey: o.hotkey, uuid: randomUUID() };
  const started = new WeakMap<ServerResponse, number>();
  const startedAt = (res: ServerResponse) => started.get(res) ?? performance.now();
  let bombB64: string | undefined;

  const answer = (res: ServerResponse, def: SynapseDef, synapse: Synapse) => {
    const r = buildResponse(id, def, synapse, { startedAtMs: startedAt(res) });
    res.writeHead(r.status, r.headers);
    res.end(r.body);
  };
  const refuse = (res: ServerResponse, def: SynapseDef | undefined, synapse?: Synapse) => {
    const r = buildErrorResponse(id, def, synapse, {
      startedAtMs: startedAt(res),
      status: 400,
      message: 'bad request',
    });
    res.writeHead(r.status, r.headers);
    res.end(r.body);
  };
  const capacities = () => {
    const volume = HOSTILE_VOLUMES[o.mode];
    if (volume === undefined) return o.capacity;
    return Object.fromEntries(
      Object.entries(o.capacity).map(([kind, c]) => [kind, { ...(c as object), volume }]),
    );
  };
  const capacitySynapse = (req: IncomingMessage, body: string): Synapse => ({
    ...callerSynapse(Capacity, req, body),
    capacities: capacities(),
  });

  const task = (req: IncomingMessage, res: ServerResponse, name: string, body: string) => {
    const def = defByName(name);
    const streaming = def?.streaming ?? false;
    const head = (type = streaming ? 'text/event-stream' : 'application/json') => {
      res.writeHead(200, { 'content-type': type });
      res.flushHeaders();
    };
    switch (o.mode) {
      case 'hang-headers':
        head();
        return;
      case 'drip': {
        head();
        let text = streaming ? '' : '{"image_b64": "';
        let i = 0;
        const timer = setInterval(() => {
          if (text.length === 0) text = streaming ? tokenEvent(i++) : 'A';
          res.write(text[0] as string);
          text = text.slice(1);
        }, DRIP_INTERVAL_MS);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case 'endless-stream': {
        head('text/event-stream');
        let i = 0;
        pump(res, () => {
          let batch = '';
          for (let k = 0; k < 64; k++) batch += tokenEvent(i++);
          return batch;
        });
        return;
      }
      case 'huge': {
        head('application/json');
        const block = 'A'.repeat(64 * 1024);
        let written = 0;
        let stage = 0;
        pump(
          res,
          () => {
            if (stage === 0) {
              stage = 1;
              return `{"name": "${name}", "image_b64": "`;
            }
            if (written < HUGE_ANSWER_BYTES) {
              written += block.length;
              return block;
            }
            if (stage === 1) {
              stage = 2;
              return '"}';
            }
            return undefined;
          },
          () => res.end(),
        );
        return;
      }
      case 'bomb-png': {
        bombB64 ??= decompressionBombPng().toString('base64');
        if (!def) {
          head('application/json');
          res.end(JSON.stringify({ name, image_b64: bombB64 }));
          return;
        }
        answer(res, def, { ...callerSynapse(def, req, body), image_b64: bombB64 });
        return;
      }
      case 'malformed-json':
        head('application/json');
        res.end('{"image_b64": "abc", ');
        return;
      case 'wrong-name':
        answer(res, Capacity, capacitySynapse(req, body));
        return;
      default:
        // refuse-400 and the capacity modes
        refuse(res, def, def ? callerSynapse(def, req, body) : undefined);
    }
  };

  const server = createHttpServer((req, res) => {
    started.set(res, performance.now());
    res.on('error', () => {});
    const name = (req.url ?? '/').split('?')[0]?.slice(1) ?? '';
    void readBody(req).then((body) => {
      if (res.destroyed) return;
      if (name === Capacity.name) answer(res, Capacity, capacitySynapse(req, body));
      else task(req, res, name, body);
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
