/**
 * The real dendrite against hostile axons, each a process of its own on loopback
 * (`startHostileAxon`): every call ends with the exact status and within its deadline, whatever
 * the axon does. Deadlines here are 1-2 s; elapsed times are checked with generous slack. The
 * processes start together, and the tests run concurrently (each waits on its own axon).
 */
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AxonTarget, Dendrite, type Hotkey } from '../src/index';
import { CAPACITY_VOLUME_MAX, Capacity, Completion, TextToImage } from '../src/tasks/index';
import {
  BOMB_PNG_SIDE,
  devHotkey,
  HOSTILE_MODES,
  type HostileAxon,
  type HostileMode,
  startHostileAxon,
  VALID_TASK_INPUTS,
} from '../src/testing/index';

/** Scheduling slack on a busy 2-core machine; far below what a hang would take. */
const SLACK_MS = 5_000;
const CAPACITY = {
  Completion: { volume: 2, models: ['tiny-llm'], loras: [] },
  TextToImage: { volume: 7, models: ['sdxl-base'], loras: ['watercolor-v2'] },
};

let alice: Hotkey;
let bob: Hotkey;
let dendrite: Dendrite;
const axons = new Map<HostileMode, HostileAxon>();

beforeAll(async () => {
  alice = await devHotkey('alice');
  bob = await devHotkey('bob');
  dendrite = new Dendrite({ hotkey: alice });
  const started = await Promise.allSettled(
    HOSTILE_MODES.map(async (mode) => {
      axons.set(mode, await startHostileAxon({ mode, capacity: CAPACITY, host: '127.0.0.2' }));
    }),
  );
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
});

afterAll(async () => {
  await Promise.all([...axons.values()].map((a) => a.stop()));
  await dendrite?.close();
});

function target(mode: HostileMode): AxonTarget {
  const axon = axons.get(mode) as HostileAxon;
  return { ip: axon.host, port: axon.port, hotkey: bob.address };
}

async function timed<T>(work: Promise<T>): Promise<{ ms: number; r: T }> {
  const t0 = performance.now();
  const r = await work;
  return { ms: performance.now() - t0, r };
}

async function streamAll(
  mode: HostileMode,
  options: Parameters<Dendrite['stream']>[3],
  d: Dendrite = dendrite,
) {
  let events = 0;
  const gen = d.stream(target(mode), Completion, VALID_TASK_INPUTS.Completion, options);
  let step = await gen.next();
  while (!step.done) {
    events++;
    step = await gen.next();
  }
  return { events, synapse: step.value };
}

const textToImage = (mode: HostileMode, options: Parameters<Dendrite['call']>[3], d = dendrite) =>
  timed(d.call(target(mode), TextToImage, VALID_TASK_INPUTS.TextToImage, options));

describe.concurrent('deadlines: the call ends on time whatever the axon does', () => {
  it('hang-connect: no answer headers gives 408 at firstByteMs, for tasks and Capacity', async () => {
    const { ms, r } = await textToImage('hang-connect', {
      timeout: 20,
      deadlines: { firstByteMs: 1000 },
    });
    expect(r.dendrite.status_code).toBe(408);
    expect(r.dendrite.status_message).toBe('Request timeout: no answer headers within 1000 ms');
    expect(ms).toBeLessThan(1000 + SLACK_MS);
    const cap = await timed(dendrite.call(target('hang-connect'), Capacity, {}, { timeout: 1 }));
    expect(cap.r.dendrite.status_code).toBe(408);
    expect(cap.r.dendrite.status_message).toBe('Request timeout after 1 seconds');
    expect(cap.ms).toBeLessThan(1000 + SLACK_MS);
  });

  it('hang-headers: a silent body gives 408 at idleMs (call) and at the total (stream)', async () => {
    const { ms, r } = await textToImage('hang-headers', {
      timeout: 20,
      deadlines: { idleMs: 1000 },
    });
    expect(r.dendrite.status_code).toBe(408);
    expect(r.dendrite.status_message).toBe('Request timeout: answer idle for 1000 ms');
    expect(ms).toBeLessThan(1000 + SLACK_MS);
    const s = await timed(streamAll('hang-headers', { timeout: 1.5 }));
    expect(s.r.events).toBe(0);
    expect(s.r.synapse.dendrite.status_code).toBe(408);
    expect(s.r.synapse.dendrite.status_message).toBe('Request timeout after 1.5 seconds');
    expect(s.ms).toBeLessThan(1500 + SLACK_MS);
  });

  it('drip: a byte a second never makes an event: the stream is cut at idleMs', async () => {
    const s = await timed(streamAll('drip', { timeout: 20, deadlines: { idleMs: 2000 } }));
    expect(s.r.events).toBe(0);
    expect(s.r.synapse.dendrite.status_code).toBe(408);
    expect(s.r.synapse.dendrite.status_message).toBe('Request timeout: stream idle for 2000 ms');
    expect(s.ms).toBeLessThan(2000 + SLACK_MS);
  });

  it('drip: a byte a second on a plain call is cut at the total', async () => {
    const { ms, r } = await textToImage('drip', { timeout: 2 });
    expect(r.dendrite.status_code).toBe(408);
    expect(r.dendrite.status_message).toBe('Request timeout after 2 seconds');
    expect(ms).toBeLessThan(2000 + SLACK_MS);
  });

  it('endless-stream: cut at the total deadline, the loop ends', async () => {
    const big = new Dendrite({ hotkey: alice, maxStreamEvents: 1e9, maxResponseBytes: 2 ** 40 });
    const s = await timed(streamAll('endless-stream', { timeout: 3 }, big));
    await big.close();
    expect(s.r.events).toBeGreaterThan(0);
    expect(s.r.synapse.dendrite.status_code).toBe(408);
    expect(s.r.synapse.dendrite.status_message).toBe('Request timeout after 3 seconds');
    expect(s.ms).toBeLessThan(3000 + SLACK_MS);
  });
});

describe.concurrent('caps: oversized answers end with 422 and a closed connection', () => {
  it('endless-stream: cut at maxStreamEvents', async () => {
    const d = new Dendrite({ hotkey: alice, maxStreamEvents: 1000 });
    const s = await streamAll('endless-stream', { timeout: 10 }, d);
    await d.close();
    expect(s.events).toBe(1000);
    expect(s.synapse.dendrite.status_code).toBe(422);
    expect(s.synapse.dendrite.status_message).toBe('Stream too long: more than 1000 events');
  });

  it('endless-stream: cut at maxResponseBytes', async () => {
    const d = new Dendrite({ hotkey: alice, maxResponseBytes: 256 * 1024 });
    const s = await streamAll('endless-stream', { timeout: 10 }, d);
    await d.close();
    expect(s.synapse.dendrite.status_code).toBe(422);
    expect(s.synapse.dendrite.status_message).toBe(
      'Response too large: the answer exceeds 262144 bytes',
    );
  });

  it('huge: a 200 MB answer is cut at the default 64 MiB cap', async () => {
    const { ms, r } = await textToImage('huge', { timeout: 20 });
    expect(r.dendrite.status_code).toBe(422);
    expect(r.dendrite.status_message).toBe(
      `Response too large: the answer exceeds ${64 * 1024 * 1024} bytes`,
    );
    expect(ms).toBeLessThan(20_000);
  });
});

describe.concurrent('answers that lie', () => {
  it('bomb-png: passes the wire (200) with a 30000x30000 PNG that inflates past any sane size', async () => {
    const { r } = await textToImage('bomb-png', { timeout: 20 });
    expect(r.dendrite.status_code).toBe(200);
    const png = Buffer.from(r.image_b64 as string, 'base64');
    expect(png.length).toBeLessThan(4 * 1024 * 1024);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20), png[24], png[25]]).toEqual([
      BOMB_PNG_SIDE,
      BOMB_PNG_SIDE,
      8,
      2,
    ]);
    const idatLength = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString('latin1')).toBe('IDAT');
    const idat = png.subarray(41, 41 + idatLength);
    expect(() => inflateSync(idat, { maxOutputLength: 64 * 1024 * 1024 })).toThrow(RangeError);
  });

  it('malformed-json: 422 naming the bad body', async () => {
    const { r } = await textToImage('malformed-json', { timeout: 5 });
    expect(r.dendrite.status_code).toBe(422);
    expect(r.dendrite.status_message).toBe('Failed to parse response: body is not valid JSON');
  });

  it('wrong-name: an answer for another synapse is 422', async () => {
    const { r } = await textToImage('wrong-name', { timeout: 5 });
    expect(r.dendrite.status_code).toBe(422);
    expect(r.dendrite.status_message).toBe(
      "Failed to parse response: the answer is a 'Capacity' synapse, not a 'TextToImage'",
    );
  });

  it('refuse-400: the axon status and message come back, streamed or not; Capacity still 200', async () => {
    const { r } = await textToImage('refuse-400', { timeout: 5 });
    expect([r.dendrite.status_code, r.dendrite.status_message]).toEqual([400, 'bad request']);
    const s = await streamAll('refuse-400', { timeout: 5 });
    expect(s.events).toBe(0);
    expect([s.synapse.dendrite.status_code, s.synapse.dendrite.status_message]).toEqual([
      400,
      'bad request',
    ]);
    const cap = await dendrite.call(target('refuse-400'), Capacity, {}, { timeout: 5 });
    expect(cap.dendrite.status_code).toBe(200);
    expect(cap.capacities).toEqual(CAPACITY);
  });

  it.each([
    ['capacity-flood', `Too big: expected number to be <=${CAPACITY_VOLUME_MAX}`],
    ['capacity-negative', 'Too small: expected number to be >=0'],
    ['capacity-string', 'Invalid input: expected number, received string'],
  ] as const)(
    '%s: Capacity is 422 saying which volume is wrong; tasks get 400',
    async (mode, why) => {
      const cap = await dendrite.call(target(mode), Capacity, {}, { timeout: 5 });
      expect(cap.dendrite.status_code).toBe(422);
      expect(cap.dendrite.status_message).toBe(
        `Failed to parse response: invalid Capacity: capacities.Completion.volume: ${why}; ` +
          `capacities.TextToImage.volume: ${why}`,
      );
      expect(cap.capacities).toBeUndefined();
      const { r } = await textToImage(mode, { timeout: 5 });
      expect(r.dendrite.status_code).toBe(400);
    },
  );
});
