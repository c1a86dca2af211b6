import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  Dendrite,
  defineSynapse,
  type Hotkey,
  responseMessage,
  SignatureVerifier,
  type Synapse,
} from '../src/index';
import { createTestAxon, Dummy, devHotkey, type TestAxon } from '../src/testing/index';

const Tokens = defineSynapse({
  name: 'Tokens',
  fields: { prompt: z.string().max(1000), n: z.int().min(1).max(100) },
  requiredHashFields: ['prompt', 'n'],
  streaming: true,
});

const Slow = defineSynapse({
  name: 'Slow',
  fields: { ms: z.int(), done: z.boolean().optional() },
  requiredHashFields: ['ms'],
});

const Blob = defineSynapse({
  name: 'Blob',
  fields: { data: z.string(), size: z.int().optional() },
  requiredHashFields: ['data'],
});

let alice: Hotkey;
let bob: Hotkey;
let axon: TestAxon;
let dendrite: Dendrite;
let garbage: Server;
let cancelled = 0;
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

/** `n` events 20 ms apart; one cut short because the caller left is counted in `cancelled`. */
async function* tokens(s: Synapse, signal: AbortSignal): AsyncGenerator<unknown> {
  try {
    for (let i = 0; i < (s.n as number); i++) {
      yield { index: i, text: `${s.prompt}-${i}` };
      await sleep(20);
    }
  } finally {
    if (signal.aborted) cancelled++;
  }
}

beforeAll(async () => {
  alice = await devHotkey('alice');
  bob = await devHotkey('bob');
  axon = await createTestAxon({
    hotkey: bob,
    synapses: [Dummy, Tokens, Slow, Blob],
    bodyLimit: 4096,
    blacklist: ({ hotkey }) =>
      hotkey === alice.address || hotkey === bob.address
        ? { blocked: false }
        : { blocked: true, reason: 'unknown hotkey' },
    serve: async ({ def, synapse: s }, { signal }) => {
      switch (def.name) {
        case 'Dummy':
          return { fields: { dummy_output: (s.dummy_input as number) * 2 } };
        case 'Blob':
          return { fields: { size: (s.data as string).length } };
        case 'Slow':
          await sleep(s.ms as number, signal);
          return { fields: { done: true } };
        case 'Tokens':
          return { events: tokens(s, signal) };
        default:
          return { status: 404, message: 'no handler' };
      }
    },
  });
  dendrite = new Dendrite({ hotkey: alice });
  garbage = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('this is not json');
  });
  await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  await dendrite.close();
  await axon.close();
  garbage.close();
});

const target = () => ({ ip: '127.0.0.1', port: axon.port, hotkey: bob.address });

describe('dendrite ↔ axon over loopback HTTP', () => {
  it('answers 200 with the output, statuses on both terminals, and a signed axon stamp', async () => {
    const res = await dendrite.call(target(), Dummy, { dummy_input: 21 });
    expect(res.dummy_output).toBe(42);
    expect(res.dummy_input).toBe(21);
    expect(res.axon.status_code).toBe(200);
    expect(res.axon.status_message).toBe('Success');
    expect(res.dendrite.status_code).toBe(200);
    expect(res.axon.hotkey).toBe(bob.address);
    expect(typeof res.axon.process_time).toBe('number');
    const msg = responseMessage({
      axonNonce: res.axon.nonce as bigint,
      dendriteHotkey: alice.address,
      axonHotkey: bob.address,
      axonUuid: res.axon.uuid as string,
    });
    expect(new SignatureVerifier().verify(msg, res.axon.signature as string, bob.address)).toBe(
      true,
    );
  });

  it('fans out concurrently and reports each axon on its own (503 for the unreachable one)', async () => {
    const closed = { ip: '127.0.0.1', port: 1, hotkey: bob.address };
    const results = await dendrite.forward([target(), closed, target()], Dummy, { dummy_input: 5 });
    expect(results.map((r) => r.dendrite.status_code)).toEqual([200, 503, 200]);
    expect(results[1]?.dendrite.status_message).toBe('Service unavailable at 127.0.0.1:1/Dummy');
    expect(results.map((r) => r.dummy_output ?? null)).toEqual([10, null, 10]);
  });

  it('408 when the axon is slower than the timeout', async () => {
    const res = await dendrite.call(target(), Slow, { ms: 3000 }, { timeout: 0.3 });
    expect(res.dendrite.status_code).toBe(408);
    expect(res.dendrite.status_message).toBe('Request timeout after 0.3 seconds');
    expect(res.done).toBeUndefined();
  });

  it('422 when the answer cannot be parsed', async () => {
    const port = (garbage.address() as AddressInfo).port;
    const res = await dendrite.call({ ip: '127.0.0.1', port, hotkey: bob.address }, Dummy, {
      dummy_input: 1,
    });
    expect(res.dendrite.status_code).toBe(422);
    expect(res.dendrite.status_message).toBe('Failed to parse response: body is not valid JSON');
  });

  it('carries the axon error code and message back (403 blacklisted, 401 wrong axon, 404 unknown)', async () => {
    const eve = await devHotkey('eve');
    const stranger = new Dendrite({ hotkey: eve });
    const blocked = await stranger.call(target(), Dummy, { dummy_input: 1 });
    await stranger.close();
    expect(blocked.dendrite.status_code).toBe(403);
    expect(blocked.dendrite.status_message).toBe('Forbidden. Key is blacklisted: unknown hotkey.');
    const wrong = await dendrite.call({ ...target(), hotkey: alice.address }, Dummy, {
      dummy_input: 1,
    });
    expect(wrong.dendrite.status_code).toBe(401);
    const Unknown = defineSynapse({ name: 'Unknown', fields: {}, requiredHashFields: [] });
    const unknown = await dendrite.call(target(), Unknown, {});
    expect(unknown.dendrite.status_code).toBe(404);
  });

  it('413 for a body over the axon limit (4 KiB here), 200 just under it', async () => {
    const small = await dendrite.call(target(), Blob, { data: 'x'.repeat(1000) });
    const big = await dendrite.call(target(), Blob, { data: 'y'.repeat(8000) });
    expect(small.dendrite.status_code).toBe(200);
    expect(small.size).toBe(1000);
    expect(big.dendrite.status_code).toBe(413);
    expect(big.dendrite.status_message).toBe('request body is larger than 4096 bytes');
  });

  it('streams events in order and ends with the final status', async () => {
    const events: unknown[] = [];
    const gen = dendrite.stream(target(), Tokens, { prompt: 'tok', n: 4 });
    let step = await gen.next();
    while (!step.done) {
      events.push(step.value);
      step = await gen.next();
    }
    expect(events).toEqual([0, 1, 2, 3].map((i) => ({ index: i, text: `tok-${i}` })));
    expect(step.value.dendrite.status_code).toBe(200);
    expect(step.value.axon.hotkey).toBe(bob.address);
  });

  it('breaking out of a stream cancels it on the axon', async () => {
    const before = cancelled;
    const seen: unknown[] = [];
    for await (const ev of dendrite.stream(target(), Tokens, { prompt: 'c', n: 100 })) {
      seen.push(ev);
      if (seen.length === 2) break;
    }
    expect(seen).toHaveLength(2);
    await sleep(200);
    expect(cancelled).toBe(before + 1);
  });

  it('of identical requests sent at once, exactly one is accepted', async () => {
    const p = dendrite.prepare(target(), Dummy, { dummy_input: 11 });
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () =>
        fetch(p.url, { method: 'POST', headers: p.headers, body: p.body }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
  });

  it('reuses keep-alive connections for sequential calls', async () => {
    let connections = 0;
    const count = () => {
      connections++;
    };
    axon.server.on('connection', count);
    const fresh = new Dendrite({ hotkey: alice });
    for (let i = 0; i < 8; i++) {
      const r = await fresh.call(target(), Dummy, { dummy_input: i });
      expect(r.dummy_output).toBe(i * 2);
    }
    await fresh.close();
    axon.server.off('connection', count);
    // The pool may open a second socket while the first is being released; never one per call.
    expect(connections).toBeLessThanOrEqual(2);
  });

  it('a replayed request (same nonce) is refused by the axon', async () => {
    const p = dendrite.prepare(target(), Dummy, { dummy_input: 9 });
    const send = () =>
      fetch(p.url, { method: 'POST', headers: p.headers, body: p.body }).then((r) => r.status);
    expect(await send()).toBe(200);
    expect(await send()).toBe(401);
  });
});
