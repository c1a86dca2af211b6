/**
 * A signing thread of the load client (started by `signerPool.ts`): it owns some of the client's
 * connections, one `Dendrite` (one uuid, so one nonce sequence) per connection, and signs
 * requests for them on demand. Per `sign` message it signs `counts[i]` more requests for its
 * i-th connection, the connections in turn (so that each one's earliest requests are signed
 * first), and posts them back in batches; then `{type: 'signed'}`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type AxonTarget, Dendrite } from '@subnet/protocol';
import { Capacity } from '@subnet/protocol/tasks';
import { devHotkey } from '@subnet/protocol/testing';
import { CALLER_KEY, STRANGER_KEY } from './benchFixtures';
import { corruptSignature, invalidKindAt, isInvalidSlot, type PreparedRequest } from './requestMix';

export interface SignerConfig {
  target: AxonTarget;
  /** The connections this thread signs for. */
  connections: number[];
  /** Fraction of invalid requests, 0..1. */
  invalidFraction: number;
}

export type SignerCommand = { type: 'sign'; counts: number[] };
export type SignerMessage =
  | { type: 'ready' }
  | { type: 'batch'; items: PreparedRequest[] }
  | { type: 'signed' };

const BATCH = 128;

interface ConnState {
  conn: number;
  caller: Dendrite;
  stranger: Dendrite;
  sent: number;
  invalid: number;
  lastValid: PreparedRequest | undefined;
}

const config = workerData as SignerConfig;
const port = parentPort;
if (!port) throw new Error('signerWorker runs as a worker thread');

const [caller, stranger] = await Promise.all([devHotkey(CALLER_KEY), devHotkey(STRANGER_KEY)]);
const states: ConnState[] = config.connections.map((conn) => ({
  conn,
  caller: new Dendrite({ hotkey: caller }),
  stranger: new Dendrite({ hotkey: stranger }),
  sent: 0,
  invalid: 0,
  lastValid: undefined,
}));

function prepared(s: ConnState, d: Dendrite, target: AxonTarget): PreparedRequest {
  const p = d.prepare(target, Capacity, {});
  return { conn: s.conn, kind: 'valid', headers: p.headers, body: p.body };
}

function next(s: ConnState): PreparedRequest {
  const k = s.sent++;
  if (!isInvalidSlot(k, config.invalidFraction)) {
    s.lastValid = prepared(s, s.caller, config.target);
    return s.lastValid;
  }
  let kind = invalidKindAt(s.conn, s.invalid++);
  if (kind === 'replayed-nonce' && !s.lastValid) kind = 'bad-signature';
  switch (kind) {
    case 'replayed-nonce': {
      const last = s.lastValid as PreparedRequest;
      return { ...last, kind };
    }
    case 'bad-signature': {
      const p = prepared(s, s.caller, config.target);
      const signature = p.headers.bt_header_dendrite_signature ?? '';
      p.headers.bt_header_dendrite_signature = corruptSignature(signature);
      return { ...p, kind };
    }
    case 'malformed-body': {
      const p = prepared(s, s.caller, config.target);
      return { ...p, kind, body: p.body.slice(0, Math.floor(p.body.length / 2)) };
    }
    case 'unregistered-caller':
      return { ...prepared(s, s.stranger, config.target), kind };
    case 'wrong-axon-hotkey':
      return { ...prepared(s, s.caller, { ...config.target, hotkey: stranger.address }), kind };
  }
}

port.on('message', (command: SignerCommand) => {
  const left = [...command.counts];
  let batch: PreparedRequest[] = [];
  let more = true;
  while (more) {
    more = false;
    for (let i = 0; i < states.length; i++) {
      if ((left[i] ?? 0) <= 0) continue;
      left[i] = (left[i] as number) - 1;
      more = true;
      batch.push(next(states[i] as ConnState));
      if (batch.length >= BATCH) {
        port.postMessage({ type: 'batch', items: batch } satisfies SignerMessage);
        batch = [];
      }
    }
  }
  if (batch.length > 0) port.postMessage({ type: 'batch', items: batch } satisfies SignerMessage);
  port.postMessage({ type: 'signed' } satisfies SignerMessage);
});
port.postMessage({ type: 'ready' } satisfies SignerMessage);
