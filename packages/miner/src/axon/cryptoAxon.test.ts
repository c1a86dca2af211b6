/**
 * The axon with its signature checks and answer signatures on worker threads (`CryptoPool`)
 * against the same axon doing them inline: the same answers for the same signed requests, and
 * exactly one acceptance of a request replayed concurrently (its copies checked on different
 * workers at once).
 */
import {
  CryptoPool,
  Dendrite,
  type Hotkey,
  responseMessage,
  SignatureVerifier,
  type Synapse,
} from '@subnet/protocol';
import { Capacity, Chat, TextToImage, Upscale } from '@subnet/protocol/tasks';
import { devHotkey, EXAMPLE_IMAGE_B64, VALID_TASK_INPUTS } from '@subnet/protocol/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoThreads } from '../daemon/startMiner';
import { DEFAULT_ACCESS_POLICY } from './accessPolicy';
import { buildMinerApp, type MinerApp } from './buildMinerApp';
import { MetagraphHolder, metagraphView } from './metagraphView';

let miner: Hotkey;
let alice: Hotkey;
let dave: Hotkey;
let pool: CryptoPool;
const apps: { inline?: MinerApp; pooled?: MinerApp } = {};
const ports: { inline: number; pooled: number } = { inline: 0, pooled: 0 };

async function start(crypto?: CryptoPool): Promise<[MinerApp, number]> {
  const m = buildMinerApp({
    hotkey: miner,
    metagraph: new MetagraphHolder(
      metagraphView(7, 100, [
        { uid: 0, hotkey: alice.address, stake: 3000, validatorPermit: true },
        { uid: 1, hotkey: miner.address, stake: 0, validatorPermit: false },
      ]),
    ),
    logger: pino({ level: 'silent' }),
    access: DEFAULT_ACCESS_POLICY,
    admission: { tasks: {}, defaultLimits: { concurrency: 4, queue: 4 }, perValidator: 64 },
    served: [
      {
        def: TextToImage,
        capacity: { volume: 400, models: ['sdxl-base'], loras: [] },
        handler: async (s: Synapse) => {
          if (s.prompt === 'explode') throw new Error('model crashed');
          return { image_b64: EXAMPLE_IMAGE_B64, is_nsfw: false };
        },
      },
      {
        def: Chat,
        capacity: { volume: 1000, models: ['tiny-llm'], loras: [] },
        handler: () =>
          (async function* () {
            for (let i = 0; i < 3; i++)
              yield { type: 'token', index: i, token: `t${i}`, logprob: -0.5, top_logprobs: [] };
            yield { type: 'done', finish_reason: 'length', prompt_tokens: 4, completion_tokens: 3 };
          })(),
      },
    ],
    ...(crypto ? { crypto } : {}),
  });
  await m.app.listen({ host: '127.0.0.1', port: 0 });
  return [m, (m.app.server.address() as { port: number }).port];
}

beforeAll(async () => {
  miner = await devHotkey('ferdie');
  alice = await devHotkey('alice');
  dave = await devHotkey('dave');
  pool = new CryptoPool({ threads: 2, signer: miner });
  [apps.inline, ports.inline] = await start();
  [apps.pooled, ports.pooled] = await start(pool);
});
afterAll(async () => {
  await apps.inline?.app.close();
  await apps.pooled?.app.close();
  await pool.close();
});

/** Header values that differ on every answer by design (time, a fresh nonce, a random signature). */
const PER_ANSWER = [
  'bt_header_axon_nonce',
  'bt_header_axon_signature',
  'bt_header_axon_process_time',
  'bt_header_axon_uuid',
  'date',
  // the caller's ephemeral port, which the axon echoes
  'bt_header_dendrite_port',
  // sizes of the headers and the body, which hold the values above (checked on their own)
  'header_size',
  'total_size',
  'content-length',
];

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  varying: Record<string, string>;
}

async function send(
  port: number,
  p: { headers: Record<string, string>; body: string },
  path: string,
): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: p.headers,
    body: p.body,
  });
  const headers: Record<string, string> = {};
  const varying: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (PER_ANSWER.includes(k)) varying[k] = v;
    else headers[k] = v;
  });
  return { status: res.status, headers, body: await res.text(), varying };
}

/** The same signed request, to both axons (they share the hotkey, so it is valid for both). */
async function both(
  key: Hotkey,
  build: (
    d: Dendrite,
    port: number,
  ) => { url: string; headers: Record<string, string>; body: string },
): Promise<[Answer, Answer]> {
  const d = new Dendrite({ hotkey: key });
  const p = build(d, ports.inline);
  await d.close();
  const path = new URL(p.url).pathname;
  return [await send(ports.inline, p, path), await send(ports.pooled, p, path)];
}

const target = (port: number) => ({ ip: '127.0.0.1', port, hotkey: miner.address });

function expectSameAnswer([inline, pooled]: [Answer, Answer], status: number): void {
  expect(pooled.status).toBe(status);
  expect(inline.status).toBe(status);
  expect(pooled.headers).toEqual(inline.headers);
  // The body repeats the axon's terminal info, with its own nonce, signature and time.
  // Each varying value is replaced where it is a whole JSON value (a string's content or a
  // number), not inside another one: a short value such as a process time's digits can also
  // occur inside the dendrite's nonce.
  const strip = (a: Answer) => {
    let body = a.body;
    for (const v of Object.values(a.varying)) {
      const escaped = v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      body = body.replace(new RegExp(`(?<=[:"])${escaped}(?=[",}])`, 'g'), '<varies>');
    }
    return body;
  };
  expect(strip(pooled)).toBe(strip(inline));
  expect(Object.keys(pooled.varying).sort()).toEqual(Object.keys(inline.varying).sort());
  for (const a of [inline, pooled]) {
    if (a.headers['content-type'] !== 'application/json') continue;
    expect(Number(a.varying['content-length'])).toBe(Buffer.byteLength(a.body));
    if (a.varying.total_size !== undefined)
      expect(Number(a.varying.total_size)).toBe(Buffer.byteLength(a.body));
  }
}

/** The answer's signature is the miner's over `{nonce}.{dendrite}.{axon}.{uuid}`. */
function expectSignedByMiner(a: Answer, dendriteHotkey: string): void {
  const message = responseMessage({
    axonNonce: BigInt(a.varying.bt_header_axon_nonce as string),
    dendriteHotkey,
    axonHotkey: miner.address,
    axonUuid: a.varying.bt_header_axon_uuid as string,
  });
  expect(
    new SignatureVerifier().verify(
      message,
      a.varying.bt_header_axon_signature as string,
      miner.address,
    ),
  ).toBe(true);
}

describe('axon with its crypto on worker threads', () => {
  it('picks no workers on two cores, half the cores (at most 8) above, or what is configured', () => {
    expect([1, 2, 3, 4, 6, 16, 64].map((cores) => cryptoThreads(undefined, cores))).toEqual([
      0, 0, 1, 2, 3, 8, 8,
    ]);
    expect(cryptoThreads(0, 32)).toBe(0);
    expect(cryptoThreads(3, 2)).toBe(3);
  });

  it('answers a task, Capacity and a stream as the inline axon does, signed by the miner', async () => {
    const task = await both(alice, (d, port) =>
      d.prepare(target(port), TextToImage, VALID_TASK_INPUTS.TextToImage),
    );
    expectSameAnswer(task, 200);
    expect(JSON.parse(task[1].body).image_b64).toBe(EXAMPLE_IMAGE_B64);
    expectSignedByMiner(task[1], alice.address);
    expectSignedByMiner(task[0], alice.address);

    const capacity = await both(alice, (d, port) => d.prepare(target(port), Capacity, {}));
    expectSameAnswer(capacity, 200);
    expect(JSON.parse(capacity[1].body).capacities.TextToImage.volume).toBe(400);

    const stream = await both(alice, (d, port) =>
      d.prepare(target(port), Chat, { ...VALID_TASK_INPUTS.Chat, max_tokens: 3 }),
    );
    expectSameAnswer(stream, 200);
    expect(stream[1].body.split('\n\n').filter(Boolean)).toHaveLength(4);
    expectSignedByMiner(stream[1], alice.address);
  });

  it('refuses as the inline axon does: 401 signature, 403 unregistered, 404 not served, 500', async () => {
    const badSig = await both(alice, (d, port) => {
      const p = d.prepare(target(port), TextToImage, VALID_TASK_INPUTS.TextToImage);
      p.headers.bt_header_dendrite_signature = `0x${'ab'.repeat(64)}`;
      return p;
    });
    expectSameAnswer(badSig, 401);
    expect(JSON.parse(badSig[1].body).message).toMatch(
      /^Not Verified with error: Signature mismatch/,
    );
    expectSignedByMiner(badSig[1], 'None');

    const unregistered = await both(dave, (d, port) =>
      d.prepare(target(port), TextToImage, VALID_TASK_INPUTS.TextToImage),
    );
    expectSameAnswer(unregistered, 403);

    const notServed = await both(alice, (d, port) =>
      d.prepare(target(port), Upscale, VALID_TASK_INPUTS.Upscale),
    );
    expectSameAnswer(notServed, 404);
    expect(JSON.parse(notServed[1].body).message).toBe(
      'Synapse name \'Upscale\' not found. Available synapses ["TextToImage","Chat","Capacity"]',
    );

    const crashed = await both(alice, (d, port) =>
      d.prepare(target(port), TextToImage, { ...VALID_TASK_INPUTS.TextToImage, prompt: 'explode' }),
    );
    expectSameAnswer(crashed, 500);
    expect(JSON.parse(crashed[1].body).message).toBe('model crashed');
  });

  it('of 24 concurrent copies of one signed request, checked on different workers, exactly one is accepted', async () => {
    const d = new Dendrite({ hotkey: alice });
    const p = d.prepare(target(ports.pooled), Capacity, {});
    await d.close();
    const answers = await Promise.all(
      Array.from({ length: 24 }, () => send(ports.pooled, p, '/Capacity')),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(23);
    for (const a of answers.filter((x) => x.status === 401)) {
      expect(JSON.parse(a.body).message).toMatch(/^Not Verified with error: Nonce is too old/);
    }
  });
});
