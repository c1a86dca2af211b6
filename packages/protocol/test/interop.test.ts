/**
 * Interop with the reference Python SDK (PyPI bittensor 10.x in .venv): its dendrite against our
 * axon, our dendrite against its axon, and tampered requests each way.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Dendrite, defineSynapse, type Hotkey, type Synapse } from '../src/index';
import { createTestAxon, Dummy, devHotkey, Prompting, type TestAxon } from '../src/testing/index';
import { PY_DIR, requirePython, runPython } from './support/python';

/** Mirror of test/python/interop_synapses.py `Sampling` (with bounds the Python side lacks). */
const Sampling = defineSynapse({
  name: 'Sampling',
  fields: {
    prompt: z.string(),
    temperature: z.number().min(0).max(2),
    seed: z.int(),
    stops: z.array(z.string()).default([]),
    scores: z.array(z.number()).optional(),
  },
  requiredHashFields: ['prompt', 'temperature', 'seed', 'stops'],
});

/** Mirror of `Tokens` in test/python/interop_synapses.py: a streamed answer. */
const Tokens = defineSynapse({
  name: 'Tokens',
  fields: { prompt: z.string(), n: z.int().min(1).max(50) },
  requiredHashFields: ['prompt', 'n'],
  streaming: true,
});

let alice: Hotkey;
let bob: Hotkey;

async function* tokens(s: Synapse): AsyncGenerator<unknown> {
  for (let i = 0; i < (s.n as number); i++) yield { index: i, text: `${s.prompt}-${i}` };
}

beforeAll(async () => {
  alice = await devHotkey('alice');
  bob = await devHotkey('bob');
});

describe('Python SDK dendrite → our axon', () => {
  let axon: TestAxon;
  let results: Record<string, unknown>;

  beforeAll(async () => {
    axon = await createTestAxon({
      hotkey: bob,
      synapses: [Dummy, Prompting, Sampling, Tokens],
      serve: ({ def, synapse: s }) => {
        switch (def.name) {
          case 'Dummy':
            return { fields: { dummy_output: (s.dummy_input as number) * 2 } };
          case 'Prompting':
            return {
              fields: {
                completion: (s.roles as string[])
                  .map((r, i) => `${r}: ${(s.messages as string[])[i]}`)
                  .join(' | '),
              },
            };
          case 'Sampling':
            return { fields: { scores: [(s.temperature as number) * 2, 1e-5, s.seed as number] } };
          case 'Tokens':
            return { events: tokens(s) };
          default:
            return { status: 404, message: 'no handler' };
        }
      },
    });
    results = JSON.parse(
      await runPython('interop_dendrite.py', '', [String(axon.port), bob.address]),
    );
  });

  afterAll(() => axon.close());

  it('gets 200 with the outputs and axon.status_code 200', () => {
    expect(results.dummy).toEqual({
      dendrite_status: 200,
      dendrite_message: 'Success',
      axon_status: 200,
      axon_hotkey: bob.address,
      dummy_output: 42,
    });
    expect(results.prompting).toMatchObject({
      dendrite_status: 200,
      completion: 'system: be brief | user: What is 2+2? ünï',
    });
    expect(results.sampling).toMatchObject({ dendrite_status: 200, scores: [1.4, 1e-5, 42] });
  });

  it('consumes our streamed answer with call_stream, event by event', () => {
    expect(results.stream).toMatchObject({
      dendrite_status: 200,
      axon_status: 200,
      events: [0, 1, 2].map((i) => ({ index: i, text: `tok-${i}` })),
    });
  });

  it('an out-of-range field gets 400 with the field named', () => {
    expect(results.out_of_range).toMatchObject({
      dendrite_status: 400,
      axon_status: 400,
      dendrite_message: 'invalid Sampling: temperature: Too big: expected number to be <=2',
    });
  });

  it('refuses the SDK-signed request replayed, re-signed badly, or changed after signing', () => {
    expect(results.fresh_status).toBe(200);
    expect(results.replay_status).toBe(401);
    expect(results.replay_message).toBe(
      'Not Verified with error: Nonce is too old, a newer one was last processed',
    );
    expect(results.bad_signature_status).toBe(401);
    expect(results.body_changed_status).toBe(401);
    expect(String(results.body_changed_message)).toMatch(/^Not Verified with error: Hash mismatch/);
  });
});

describe('our dendrite → Python SDK axon', () => {
  let py: ChildProcessWithoutNullStreams;
  let port: number;
  let dendrite: Dendrite;
  const target = () => ({ ip: '127.0.0.1', port, hotkey: bob.address });

  beforeAll(async () => {
    py = spawn(requirePython(), ['interop_axon.py'], {
      cwd: PY_DIR,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let err = '';
    py.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      py.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /READY (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      py.on('exit', (code) => reject(new Error(`python axon exited ${code}: ${err.slice(-3000)}`)));
    });
    dendrite = new Dendrite({ hotkey: alice });
  });

  afterAll(async () => {
    await dendrite.close();
    py.stdin.end();
    await new Promise((r) => {
      const t = setTimeout(() => {
        py.kill('SIGKILL');
        r(undefined);
      }, 5000);
      py.on('exit', () => {
        clearTimeout(t);
        r(undefined);
      });
    });
  });

  it('reads the answers of Dummy, Prompting and a float-carrying synapse', async () => {
    const d = await dendrite.call(target(), Dummy, { dummy_input: 21 });
    expect(d.dendrite.status_code).toBe(200);
    expect(d.axon.status_code).toBe(200);
    expect(d.axon.status_message).toBe('Success');
    expect(d.dummy_output).toBe(42);
    const p = await dendrite.call(target(), Prompting, {
      roles: ['user'],
      messages: ["it's 'quoted' \"twice\" ✓"],
    });
    expect(p.dendrite.status_code).toBe(200);
    expect(p.completion).toBe("user: it's 'quoted' \"twice\" ✓");
    const s = await dendrite.call(target(), Sampling, {
      prompt: 'a cat\n',
      temperature: 0.7,
      seed: 42,
      stops: ['\n'],
    });
    expect(s.dendrite.status_code).toBe(200);
    expect(s.scores).toEqual([1.4, 1e-5, 42]);
    expect(s.axon.hotkey).toBe(bob.address);
    expect(s.axon.process_time).toBeGreaterThan(0);
  });

  it('records the SDK axon codes for a replay, a bad signature and a body changed after signing', async () => {
    const send = (p: { url: string; headers: Record<string, string>; body: string }) =>
      fetch(p.url, { method: 'POST', headers: p.headers, body: p.body }).then(async (r) => ({
        status: r.status,
        message: ((await r.json()) as { message?: string }).message,
      }));
    const fresh = dendrite.prepare(target(), Dummy, { dummy_input: 3 });
    expect((await send(fresh)).status).toBe(200);
    const replay = await send(fresh);
    expect(replay).toEqual({
      status: 401,
      message: 'Not Verified with error: Nonce is too old, a newer one was last processed',
    });

    const badSig = dendrite.prepare(target(), Dummy, { dummy_input: 4 });
    badSig.headers.bt_header_dendrite_signature = `0x${'11'.repeat(64)}`;
    const bad = await send(badSig);
    expect(bad.status).toBe(401);
    expect(bad.message).toMatch(/^Not Verified with error: Signature mismatch with /);

    const changed = dendrite.prepare(target(), Dummy, { dummy_input: 5 });
    changed.body = changed.body.replace('"dummy_input":5', '"dummy_input":6');
    const ch = await send(changed);
    // The SDK checks the body hash after its middleware: a 500, where our axon answers 401.
    expect(ch.status).toBe(500);
  });

  it("streams the SDK axon's StreamingSynapse answer event by event", async () => {
    const events: unknown[] = [];
    const gen = dendrite.stream(target(), Tokens, { prompt: 'py', n: 4 });
    let step = await gen.next();
    while (!step.done) {
      events.push(step.value);
      step = await gen.next();
    }
    expect(events).toEqual([0, 1, 2, 3].map((i) => ({ index: i, text: `py-${i}` })));
    expect(step.value.dendrite.status_code).toBe(200);
  });

  it('the SDK axon answers 404 for a synapse it does not serve', async () => {
    const Unknown = defineSynapse({ name: 'Unknown', fields: {}, requiredHashFields: [] });
    const r = await dendrite.call(target(), Unknown, {});
    expect(r.dendrite.status_code).toBe(404);
  });
});
