import { Dendrite, type Hotkey, type Synapse } from '@subnet/protocol';
import { Capacity, Chat, TextToImage } from '@subnet/protocol/tasks';
import { devHotkey, EXAMPLE_IMAGE_B64, VALID_TASK_INPUTS } from '@subnet/protocol/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ACCESS_POLICY } from './accessPolicy';
import { buildMinerApp, type MinerApp } from './buildMinerApp';
import { MetagraphHolder, metagraphView } from './metagraphView';

let miner: Hotkey;
let alice: Hotkey;
let bob: Hotkey;
let charlie: Hotkey;
let dave: Hotkey;
let m: MinerApp;
let port: number;
const released: { gate?: () => void } = {};
let chatCancelled = 0;

beforeAll(async () => {
  miner = await devHotkey('ferdie');
  alice = await devHotkey('alice');
  bob = await devHotkey('bob');
  charlie = await devHotkey('charlie');
  dave = await devHotkey('dave');
  const metagraph = new MetagraphHolder(
    metagraphView(7, 100, [
      { uid: 0, hotkey: alice.address, stake: 3000, validatorPermit: true },
      { uid: 1, hotkey: bob.address, stake: 1000, validatorPermit: true },
      { uid: 2, hotkey: charlie.address, stake: 50, validatorPermit: false },
      { uid: 3, hotkey: miner.address, stake: 0, validatorPermit: false },
    ]),
  );
  m = buildMinerApp({
    hotkey: miner,
    metagraph,
    logger: pino({ level: 'silent' }),
    access: { ...DEFAULT_ACCESS_POLICY, minStake: 500 },
    admission: {
      tasks: { TextToImage: { concurrency: 1, queue: 0 }, Chat: { concurrency: 2, queue: 2 } },
      defaultLimits: { concurrency: 1, queue: 0 },
      perValidator: 4,
    },
    served: [
      {
        def: TextToImage,
        capacity: { volume: 400, models: ['sdxl-base'], loras: ['pixel-art'] },
        handler: async (s: Synapse) => {
          if (s.prompt === 'hold') await new Promise<void>((r) => (released.gate = r));
          if (s.prompt === 'explode') throw new Error('model crashed');
          return { image_b64: EXAMPLE_IMAGE_B64, is_nsfw: false };
        },
      },
      {
        def: Chat,
        capacity: { volume: 100_000, models: ['tiny-llm'], loras: [] },
        handler: (s: Synapse, ctx) =>
          (async function* () {
            const n = (s.max_tokens as number) ?? 3;
            for (let i = 0; i < n; i++) {
              if (ctx.signal.aborted) {
                chatCancelled++;
                return;
              }
              yield { type: 'token', index: i, token: `t${i}`, logprob: -0.5, top_logprobs: [] };
              await new Promise((r) => setTimeout(r, 15));
            }
            yield { type: 'done', finish_reason: 'length', prompt_tokens: 4, completion_tokens: n };
          })(),
      },
    ],
  });
  await m.app.listen({ host: '127.0.0.1', port: 0 });
  port = (m.app.server.address() as { port: number }).port;
});

afterAll(() => m.app.close());

const target = () => ({ ip: '127.0.0.1', port, hotkey: miner.address });
const call = async <T>(key: Hotkey, fn: (d: Dendrite) => Promise<T>) => {
  const d = new Dendrite({ hotkey: key });
  try {
    return await fn(d);
  } finally {
    await d.close();
  }
};

describe('miner axon', () => {
  it('answers a registered validator with the task output', async () => {
    const r = await call(alice, (d) =>
      d.call(target(), TextToImage, VALID_TASK_INPUTS.TextToImage),
    );
    expect(r.dendrite.status_code).toBe(200);
    expect(r.image_b64).toBe(EXAMPLE_IMAGE_B64);
    expect(r.is_nsfw).toBe(false);
  });

  it('403 for an unregistered hotkey, one without a validator permit, or too little stake', async () => {
    const unregistered = await call(dave, (d) =>
      d.call(target(), TextToImage, VALID_TASK_INPUTS.TextToImage),
    );
    expect(unregistered.dendrite.status_code).toBe(403);
    expect(unregistered.dendrite.status_message).toBe(
      `Forbidden. Key is blacklisted: hotkey ${dave.address} is not registered on subnet 7.`,
    );
    const noPermit = await call(charlie, (d) =>
      d.call(target(), TextToImage, VALID_TASK_INPUTS.TextToImage),
    );
    expect(noPermit.dendrite.status_message).toBe(
      'Forbidden. Key is blacklisted: uid 2 has no validator permit.',
    );
  });

  it('401 for a bad signature from a registered validator key', async () => {
    const d = new Dendrite({ hotkey: alice });
    const p = d.prepare(target(), TextToImage, VALID_TASK_INPUTS.TextToImage);
    await d.close();
    p.headers.bt_header_dendrite_signature = `0x${'ab'.repeat(64)}`;
    const res = await fetch(p.url, { method: 'POST', headers: p.headers, body: p.body });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /^Not Verified with error: Signature mismatch/,
    );
  });

  it('429 at once when the task is at capacity, and 200 again once it is free', async () => {
    const holding = call(alice, (d) =>
      d.call(target(), TextToImage, { ...VALID_TASK_INPUTS.TextToImage, prompt: 'hold' }),
    );
    while (!released.gate) await new Promise((r) => setTimeout(r, 5));
    const busy = await call(bob, (d) =>
      d.call(target(), TextToImage, VALID_TASK_INPUTS.TextToImage),
    );
    expect(busy.dendrite.status_code).toBe(429);
    expect(busy.dendrite.status_message).toBe('TextToImage is at capacity (1 running, 0 queued)');
    released.gate();
    released.gate = undefined;
    expect((await holding).dendrite.status_code).toBe(200);
    const again = await call(bob, (d) =>
      d.call(target(), TextToImage, VALID_TASK_INPUTS.TextToImage),
    );
    expect(again.dendrite.status_code).toBe(200);
  });

  it('500 with the reason when the task fails, and keeps serving', async () => {
    const r = await call(alice, (d) =>
      d.call(target(), TextToImage, { ...VALID_TASK_INPUTS.TextToImage, prompt: 'explode' }),
    );
    expect(r.dendrite.status_code).toBe(500);
    expect(r.dendrite.status_message).toBe('model crashed');
    const ok = await call(alice, (d) =>
      d.call(target(), TextToImage, VALID_TASK_INPUTS.TextToImage),
    );
    expect(ok.dendrite.status_code).toBe(200);
  });

  it('streams Chat tokens and stops the handler when the validator goes away', async () => {
    const events = await call(alice, async (d) => {
      const got: unknown[] = [];
      for await (const ev of d.stream(target(), Chat, { ...VALID_TASK_INPUTS.Chat, max_tokens: 3 }))
        got.push(ev);
      return got;
    });
    expect(
      events.map(
        (e) => (e as { type: string; token?: string }).token ?? (e as { type: string }).type,
      ),
    ).toEqual(['t0', 't1', 't2', 'done']);
    const before = chatCancelled;
    await call(alice, async (d) => {
      for await (const _ of d.stream(target(), Chat, {
        ...VALID_TASK_INPUTS.Chat,
        max_tokens: 200,
      }))
        break;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(chatCancelled).toBe(before + 1);
  });

  it('answers Capacity with the served volume split by validator stake', async () => {
    const a = await call(alice, (d) => d.call(target(), Capacity, {}));
    const b = await call(bob, (d) => d.call(target(), Capacity, {}));
    expect(a.capacities).toEqual({
      TextToImage: { volume: 300, models: ['sdxl-base'], loras: ['pixel-art'] },
      Chat: { volume: 75_000, models: ['tiny-llm'], loras: [] },
    });
    expect(b.capacities?.TextToImage?.volume).toBe(100);
  });

  it('404 for a task kind this miner does not serve', async () => {
    const { Upscale } = await import('@subnet/protocol/tasks');
    const r = await call(alice, (d) => d.call(target(), Upscale, VALID_TASK_INPUTS.Upscale));
    expect(r.dendrite.status_code).toBe(404);
  });

  it('exposes /healthz and Prometheus /metrics with per-synapse counts', async () => {
    const health = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.json());
    expect(health).toMatchObject({
      status: 'ok',
      hotkey: miner.address,
      netuid: 7,
      metagraph_block: 100,
    });
    const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
    expect(text).toContain('miner_requests_total{synapse="TextToImage",code="403"} 2');
    expect(text).toContain('miner_requests_total{synapse="TextToImage",code="429"} 1');
    expect(text).toContain('miner_requests_total{synapse="TextToImage",code="500"} 1');
    expect(text).toMatch(/miner_request_duration_seconds_count\{synapse="Chat"\} \d+/);
  });
});
