/**
 * The shared axon request path (`handleAxonRequest` on `axonRequestListener`), through the
 * published `createTestAxon` over real HTTP on loopback with our dendrite: what `serve` answers
 * reaches the caller exactly, refusals and errors carry their status in the body and the headers,
 * bodies are bounded, a caller that leaves stops the stream, and a replay wins at most once.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  Dendrite,
  defineSynapse,
  type Hotkey,
  type ServeOutcome,
  SignatureVerifier,
  type Synapse,
  type VerifiedCall,
} from '../src/index';
import { createTestAxon, Dummy, devHotkey, type TestAxon } from '../src/testing/index';

const Act = defineSynapse({
  name: 'Act',
  fields: { mode: z.string(), out: z.string().optional() },
  requiredHashFields: ['mode'],
});

const Tokens = defineSynapse({
  name: 'Tokens',
  fields: { n: z.int().min(1).max(10_000), gap_ms: z.int().min(0).max(100) },
  requiredHashFields: ['n', 'gap_ms'],
  streaming: true,
});

const BODY_LIMIT = 2048;

let alice: Hotkey;
let bob: Hotkey;
let axon: TestAxon;
let dendrite: Dendrite;
/** Told when a Tokens stream ends for whatever reason: the events sent and the signal's state. */
let streamEnded: (end: { sent: number; aborted: boolean; reason: unknown }) => void = () => {};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function* tokens(s: Synapse, signal: AbortSignal): AsyncGenerator<unknown> {
  let sent = 0;
  try {
    for (let i = 0; i < (s.n as number); i++) {
      yield { index: i, text: `t${i}` };
      sent++;
      if (s.gap_ms) await sleep(s.gap_ms as number);
    }
  } finally {
    streamEnded({ sent, aborted: signal.aborted, reason: signal.reason });
  }
}

function serve({ def, synapse }: VerifiedCall, signal: AbortSignal): ServeOutcome {
  if (def.name === 'Dummy')
    return { fields: { dummy_output: (synapse.dummy_input as number) * 2 } };
  if (def.name === 'Tokens') return { events: tokens(synapse, signal) };
  switch (synapse.mode) {
    case 'answer':
      return { fields: { out: 'done' } };
    case 'refuse':
      return { status: 503, message: 'at capacity' };
    case 'throw-429':
      throw Object.assign(new Error('slow down'), { status: 429 });
    default:
      throw new Error('the engine broke');
  }
}

beforeAll(async () => {
  [alice, bob] = await Promise.all([devHotkey('alice'), devHotkey('bob')]);
  axon = await createTestAxon({
    hotkey: bob,
    synapses: [Dummy, Act, Tokens],
    bodyLimit: BODY_LIMIT,
    uuid: 'axon-handler-test',
    serve: async (call, ctx) => serve(call, ctx.signal),
  });
  dendrite = new Dendrite({ hotkey: alice });
});

afterAll(async () => {
  await dendrite.close();
  await axon.close();
});

const target = () => ({ ip: axon.host, port: axon.port, hotkey: axon.hotkey });

/** The raw answer to a signed request, sent with fetch. */
async function send(p: { url: string; headers: Record<string, string>; body: string }) {
  const res = await fetch(p.url, { method: 'POST', headers: p.headers, body: p.body });
  return {
    status: res.status,
    code: res.headers.get('bt_header_axon_status_code'),
    message: res.headers.get('bt_header_axon_status_message'),
    body: await res.text(),
  };
}

describe('createTestAxon', () => {
  it('reports where it listens and as whom', () => {
    expect([axon.host, axon.hotkey, axon.identity.uuid]).toEqual([
      '127.0.0.1',
      bob.address,
      'axon-handler-test',
    ]);
    expect(axon.port).toBeGreaterThan(0);
  });

  it('answers 404 `no handler` when no serve is given', async () => {
    const bare = await createTestAxon({ hotkey: bob, synapses: [Dummy] });
    try {
      const res = await dendrite.call({ ...target(), port: bare.port }, Dummy, { dummy_input: 1 });
      expect([res.dendrite.status_code, res.dendrite.status_message]).toEqual([404, 'no handler']);
    } finally {
      await bare.close();
    }
  });

  it('close ends open connections at once, a stream in progress too, and may be called again', async () => {
    const held = await createTestAxon({
      hotkey: bob,
      synapses: [Tokens],
      // One event, then nothing until the caller is gone.
      serve: (_call, { signal }) => ({
        events: (async function* () {
          yield { index: 0, text: 't0' };
          await new Promise((resolve) => signal.addEventListener('abort', resolve));
        })(),
      }),
    });
    const p = dendrite.prepare({ ...target(), port: held.port }, Tokens, { n: 1, gap_ms: 0 });
    const res = await fetch(p.url, { method: 'POST', headers: p.headers, body: p.body });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(
      'data: {"index":0,"text":"t0"}\n\n',
    );
    await held.close();
    await held.close();
    expect(held.server.listening).toBe(false);
    await expect(reader.read()).rejects.toThrow('terminated');
  });
});

describe('the shared axon request path over loopback HTTP', () => {
  it('answers 200 with the fields serve returned merged into the synapse', async () => {
    const res = await dendrite.call(target(), Act, { mode: 'answer' });
    expect({
      mode: res.mode,
      out: res.out,
      axon: [res.axon.status_code, res.axon.status_message, res.axon.uuid, res.axon.hotkey],
      dendrite: [res.dendrite.status_code, res.dendrite.status_message],
    }).toEqual({
      mode: 'answer',
      out: 'done',
      axon: [200, 'Success', 'axon-handler-test', bob.address],
      dendrite: [200, 'Success'],
    });
    const dummy = await dendrite.call(target(), Dummy, { dummy_input: 21 });
    expect([dummy.dummy_input, dummy.dummy_output]).toEqual([21, 42]);
  });

  it('streams exactly the events serve yields, then the final status', async () => {
    const ended = new Promise<{ sent: number; aborted: boolean }>((r) => {
      streamEnded = r;
    });
    const events: unknown[] = [];
    const gen = dendrite.stream(target(), Tokens, { n: 3, gap_ms: 0 });
    let step = await gen.next();
    while (!step.done) {
      events.push(step.value);
      step = await gen.next();
    }
    expect(events).toEqual([
      { index: 0, text: 't0' },
      { index: 1, text: 't1' },
      { index: 2, text: 't2' },
    ]);
    expect([step.value.dendrite.status_code, step.value.axon.status_code]).toEqual([200, 200]);
    expect(await ended).toMatchObject({ sent: 3, aborted: false });
  });

  it('a refusal from serve: its status and message in the body and the axon headers', async () => {
    const raw = await send(dendrite.prepare(target(), Act, { mode: 'refuse' }));
    expect(raw).toEqual({
      status: 503,
      code: '503',
      message: 'at capacity',
      body: '{"message":"at capacity"}',
    });
    const res = await dendrite.call(target(), Act, { mode: 'refuse' });
    expect([res.dendrite.status_code, res.dendrite.status_message]).toEqual([503, 'at capacity']);
  });

  it('an error thrown with a status answers that status, one without answers 500', async () => {
    expect(await send(dendrite.prepare(target(), Act, { mode: 'throw-429' }))).toEqual({
      status: 429,
      code: '429',
      message: 'slow down',
      body: '{"message":"slow down"}',
    });
    expect(await send(dendrite.prepare(target(), Act, { mode: 'throw' }))).toEqual({
      status: 500,
      code: '500',
      message: 'the engine broke',
      body: '{"message":"the engine broke"}',
    });
  });

  it('413 for a body over the limit announced by content-length', async () => {
    const p = dendrite.prepare(target(), Act, { mode: 'x'.repeat(BODY_LIMIT) });
    expect(Buffer.byteLength(p.body)).toBeGreaterThan(BODY_LIMIT);
    expect(await send(p)).toEqual({
      status: 413,
      code: '413',
      message: `request body is larger than ${BODY_LIMIT} bytes`,
      body: `{"message":"request body is larger than ${BODY_LIMIT} bytes"}`,
    });
  });

  it('413 for a body over the limit sent chunked, without content-length', async () => {
    const answer = await new Promise<{ status: number; code: unknown; body: string }>(
      (resolve, reject) => {
        const req = request(
          {
            host: axon.host,
            port: axon.port,
            path: '/Act',
            method: 'POST',
            headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
          },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              body += c;
            });
            res.on('end', () => {
              resolve({
                status: res.statusCode ?? 0,
                code: res.headers.bt_header_axon_status_code,
                body,
              });
              req.destroy();
            });
          },
        );
        // The axon may close the connection while the rest of the body is still being sent.
        req.on('error', (e) => (req.writableEnded ? undefined : reject(e)));
        req.write('x'.repeat(1500));
        req.write('y'.repeat(1500));
      },
    );
    expect(answer).toEqual({
      status: 413,
      code: '413',
      body: `{"message":"request body is larger than ${BODY_LIMIT} bytes"}`,
    });
  });

  it('a caller that disconnects mid-stream aborts the signal and the stream ends early', async () => {
    const ended = new Promise<{ sent: number; aborted: boolean; reason: unknown }>((r) => {
      streamEnded = r;
    });
    const p = dendrite.prepare(target(), Tokens, { n: 10_000, gap_ms: 10 });
    const abort = new AbortController();
    const res = await fetch(p.url, {
      method: 'POST',
      headers: p.headers,
      body: p.body,
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toMatch(/^data: /);
    abort.abort();
    const end = await ended;
    expect(end.aborted).toBe(true);
    expect((end.reason as Error).message).toBe('caller disconnected');
    expect(end.sent).toBeLessThan(10_000);
  });

  it('a stream whose serve fails part-way is cut, not ended as if it were whole', async () => {
    // Regression: the writer ended the chunked body cleanly after the error, so the caller got
    // a 200 stream that looked complete.
    const failing = await createTestAxon({
      hotkey: bob,
      synapses: [Tokens],
      serve: () => ({
        events: (async function* () {
          yield { index: 0, text: 't0' };
          await sleep(10);
          throw new Error('the engine broke');
        })(),
      }),
    });
    try {
      const to = { ...target(), port: failing.port };
      const p = dendrite.prepare(to, Tokens, { n: 2, gap_ms: 0 });
      const res = await fetch(p.url, { method: 'POST', headers: p.headers, body: p.body });
      expect(res.status).toBe(200);
      await expect(res.text()).rejects.toThrow('terminated');
      const events: unknown[] = [];
      const gen = dendrite.stream(to, Tokens, { n: 2, gap_ms: 0 });
      let step = await gen.next();
      while (!step.done) {
        events.push(step.value);
        step = await gen.next();
      }
      expect(events).toEqual([{ index: 0, text: 't0' }]);
      expect([step.value.dendrite.status_code, step.value.dendrite.status_message]).toEqual([
        503,
        'Service disconnected: other side closed',
      ]);
    } finally {
      await failing.close();
    }
  });

  it('of one signed request sent 20 times at once, exactly one is answered 200', async () => {
    const statuses = async (to: TestAxon) => {
      const p = dendrite.prepare({ ...target(), port: to.port }, Act, { mode: 'answer' });
      const all = await Promise.all(Array.from({ length: 20 }, () => send(p)));
      return all.map((r) => r.status).sort();
    };
    const once = [200, ...Array.from({ length: 19 }, () => 401)];
    expect(await statuses(axon)).toEqual(once);
    // And where the signature is checked asynchronously (as on a worker pool), so that the copies
    // interleave between the first nonce check and the commit.
    const inline = new SignatureVerifier();
    const refused: string[] = [];
    const pooled = await createTestAxon({
      hotkey: bob,
      synapses: [Act],
      verifier: {
        verify: async (message, signature, address) => {
          await sleep(5);
          return inline.verify(message, signature, address);
        },
      },
      serve: () => ({ fields: { out: 'done' } }),
      onRefused: (r) => refused.push(`${r.status} ${r.code}`),
    });
    try {
      expect(await statuses(pooled)).toEqual(once);
      expect(refused).toEqual(Array.from({ length: 19 }, () => '401 NOT_VERIFIED'));
    } finally {
      await pooled.close();
    }
  });
});

describe('the body budget over all requests', () => {
  /** A POST that sends `first` bytes of a `declared`-byte body and waits; `rest()` sends the rest. */
  function partial(port: number, declared: number, first: number) {
    let answered: (a: { status: number; body: string }) => void = () => {};
    const answer = new Promise<{ status: number; body: string }>((r) => (answered = r));
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/Act',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(declared) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => answered({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', () => answered({ status: -1, body: '' }));
    req.write('x'.repeat(first));
    return { answer, rest: () => req.end('x'.repeat(declared - first)) };
  }

  it('503 past the budget while other bodies are held, and room again once they end', async () => {
    const small = await createTestAxon({
      hotkey: bob,
      synapses: [Act],
      bodyLimit: 2000,
      bodyBudget: 3500,
    });
    try {
      const a = partial(small.port, 2000, 1500);
      const b = partial(small.port, 2000, 1500);
      await sleep(100);
      // 3000 bytes are held: 600 more are over the budget.
      const c = partial(small.port, 600, 600);
      expect(await c.answer).toEqual({
        status: 503,
        body: '{"message":"the axon is receiving too much at once; retry shortly"}',
      });
      // a's last 500 bytes fit exactly. It is handled (401: it carries no dendrite headers, not
      // the budget's 503), and its bytes go back: b and then a new request fit again.
      a.rest();
      expect((await a.answer).status).toBe(401);
      b.rest();
      expect((await b.answer).status).toBe(401);
      const d = partial(small.port, 1800, 1800);
      d.rest();
      expect((await d.answer).status).toBe(401);
    } finally {
      await small.close();
    }
  });
});
