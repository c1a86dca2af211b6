// The validator's observability over real HTTP on loopback, on real storage (PGlite) filled with
// known state: /metrics counts exactly the requests made (by route and status code, 429s as
// rate-limited, probes not counted) and reads its gauges from storage at scrape time; /healthz
// names the failing part (chain when the metagraph is stale, storage when it cannot be queried);
// /status.json is the exact snapshot of storage.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ValidatorStatus } from '../../src/status/index';
import { openStorage, type Storage } from '../../src/storage/index';
import { type EngineHarness, engineHarness } from '../../src/storage/testing/index';
import { CHAT_TOKENS, startChatAxon } from './support/chatAxon';
import { samples } from './support/promText';
import { buildStatusApp, CHAIN_BLOCK, CHAIN_ENDPOINT, type StatusApp } from './support/statusApp';
import {
  FAILED_SET_ERROR,
  HONEST_HOTKEY,
  HOSTILE_ERROR,
  HOSTILE_HOTKEY,
  IDLE_HOTKEY,
  METAGRAPH_MS,
  NETUID,
  NOW,
  OTHER_VALIDATOR_HOTKEY,
  OWNER_HOTKEY,
  REASONS,
  seedStatusFixture,
  TWIN_A_HOTKEY,
  TWIN_B_HOTKEY,
  VALIDATOR_HOTKEY,
} from './support/statusFixture';

let harness: EngineHarness;
let storage: Storage;
let status: StatusApp;
let base: string;

beforeAll(async () => {
  harness = engineHarness('pglite');
  storage = await openStorage(await harness.freshConfig());
  await seedStatusFixture(storage);
  status = await buildStatusApp(storage);
  base = await status.app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await status?.close();
  await storage?.close();
  await harness?.close();
});

const get = (path: string, key?: string) =>
  fetch(`${base}${path}`, key ? { headers: { authorization: `Bearer ${key}` } } : {});

describe('/metrics', () => {
  it('counts exactly the requests made, by route and code, with 429s as rate-limited', async () => {
    const limited = await status.keys.createKey('limited', 2);
    const roomy = await status.keys.createKey('roomy', 10);
    // The clock stands still, so the first key's bucket holds exactly two requests.
    expect((await get('/v1/models', limited.secret)).status).toBe(200);
    expect((await get('/v1/models', limited.secret)).status).toBe(200);
    expect((await get('/v1/models', limited.secret)).status).toBe(429);
    expect((await get('/v1/models')).status).toBe(401);
    const chat = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${roomy.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tiny-llm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(503);
    expect((await get('/no/such/route')).status).toBe(404);
    expect((await get('/status.json')).status).toBe(200);
    expect((await get('/healthz')).status).toBe(200);

    const first = await get('/metrics');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await first.text();
    const expected = {
      'validator_api_requests_total{route="/v1/models",code="200"}': 2,
      'validator_api_requests_total{route="/v1/models",code="429"}': 1,
      'validator_api_requests_total{route="/v1/models",code="401"}': 1,
      'validator_api_requests_total{route="/v1/chat/completions",code="503"}': 1,
      'validator_api_requests_total{route="unmatched",code="404"}': 1,
      'validator_api_requests_total{route="/status.json",code="200"}': 1,
    };
    expect(samples(text, 'validator_api_requests_total')).toEqual(expected);
    expect(samples(text, 'validator_api_rate_limited_total')).toEqual({
      'validator_api_rate_limited_total{route="/v1/models"}': 1,
    });
    expect(samples(text, 'validator_api_request_duration_seconds_count')).toEqual({
      'validator_api_request_duration_seconds_count{route="/v1/models"}': 4,
      'validator_api_request_duration_seconds_count{route="/v1/chat/completions"}': 1,
      'validator_api_request_duration_seconds_count{route="unmatched"}': 1,
      'validator_api_request_duration_seconds_count{route="/status.json"}': 1,
    });
    // Every observation falls in the +Inf bucket.
    expect(
      samples(text, 'validator_api_request_duration_seconds_bucket')[
        'validator_api_request_duration_seconds_bucket{le="+Inf",route="/v1/models"}'
      ],
    ).toBe(4);

    // Scraping (and probing /healthz) moves no counter: the next scrape reads the same.
    await get('/healthz');
    const second = await (await get('/metrics')).text();
    expect(samples(second, 'validator_api_requests_total')).toEqual(expected);
  });

  it('reads its gauges from storage at scrape time', async () => {
    const text = await (await get('/metrics')).text();
    const gauges = (name: string) => samples(text, name);
    expect(gauges('validator_storage_up')).toEqual({ validator_storage_up: 1 });
    expect(gauges('validator_miners_known')).toEqual({ validator_miners_known: 8 });
    expect(gauges('validator_last_scored_period')).toEqual({ validator_last_scored_period: 42 });
    expect(gauges('validator_last_handled_period')).toEqual({ validator_last_handled_period: 42 });
    expect(gauges('validator_last_weights_block')).toEqual({ validator_last_weights_block: 110 });
    expect(gauges('validator_last_weights_timestamp_seconds')).toEqual({
      validator_last_weights_timestamp_seconds: (NOW - 5_000) / 1000,
    });
    expect(gauges('validator_pending_commits')).toEqual({ validator_pending_commits: 1 });
    expect(gauges('validator_task_results')).toEqual({
      'validator_task_results{kind="Chat",outcome="ok"}': 1,
      'validator_task_results{kind="Chat",outcome="failed"}': 0,
      'validator_task_results{kind="TextToImage",outcome="ok"}': 3,
      'validator_task_results{kind="TextToImage",outcome="failed"}': 2,
    });
    expect(gauges('validator_task_results_checked')).toEqual({
      'validator_task_results_checked{kind="Chat"}': 0,
      'validator_task_results_checked{kind="TextToImage"}': 1,
    });
  });
});

describe('requests counted when their response closes', () => {
  it('counts a streamed answer once, with its status', async () => {
    const axon = await startChatAxon(1);
    const streaming = await buildStatusApp(storage, {
      metagraph: {
        netuid: NETUID,
        block: 1,
        blockHash: '0x00',
        n: 2,
        neurons: [axon.neuron],
        source: 'storage',
      },
    });
    try {
      const url = await streaming.app.listen({ host: '127.0.0.1', port: 0 });
      const key = await streaming.keys.createKey('streamer', 10);
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'tiny-llm',
          stream: true,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      const body = await response.text();
      expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
      expect(body).toContain(JSON.stringify(CHAT_TOKENS[2]));
      const text = await (await fetch(`${url}/metrics`)).text();
      expect(samples(text, 'validator_api_requests_total')).toEqual({
        'validator_api_requests_total{route="/v1/chat/completions",code="200"}': 1,
      });
    } finally {
      await streaming.close();
      await axon.close();
    }
  });
  it('counts a request whose client left before the answer as aborted', async () => {
    let arrived!: () => void;
    const atMiner = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    // A miner that takes the request and never answers.
    const silent = createServer(() => arrived());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const axon = await startChatAxon(1);
    const port = (silent.address() as AddressInfo).port;
    const neuron = { ...axon.neuron, axon: { ...axon.neuron.axon, port } };
    await axon.close();
    const waiting = await buildStatusApp(storage, {
      metagraph: {
        netuid: NETUID,
        block: 1,
        blockHash: '0x00',
        n: 2,
        neurons: [neuron],
        source: 'storage',
      },
    });
    try {
      const url = await waiting.app.listen({ host: '127.0.0.1', port: 0 });
      const key = await waiting.keys.createKey('leaver', 10);
      const client = new AbortController();
      const request = fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        signal: client.signal,
        headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tiny-llm', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await atMiner;
      client.abort();
      await expect(request).rejects.toThrow();
      let counted: Record<string, number> = {};
      for (let i = 0; i < 100 && Object.keys(counted).length === 0; i++) {
        const text = await (await fetch(`${url}/metrics`)).text();
        counted = samples(text, 'validator_api_requests_total');
        if (Object.keys(counted).length === 0) await new Promise((r) => setTimeout(r, 50));
      }
      expect(counted).toEqual({
        'validator_api_requests_total{route="/v1/chat/completions",code="aborted"}': 1,
      });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
      await waiting.close();
    }
  });
});

describe('/status.json', () => {
  it('is the snapshot of storage: miners only, with scores, weights and why, trends, results; the rest apart', async () => {
    const response = await get('/status.json');
    expect(response.status).toBe(200);
    const body = (await response.json()) as ValidatorStatus;
    const ok = (taskKind: string, createdMs: number, extra: object = {}) => ({
      taskKind,
      organic: false,
      outcome: 'ok',
      statusCode: 200,
      checkScore: null,
      checkReason: null,
      error: null,
      durationMs: 1_250,
      createdMs,
      ...extra,
    });
    const parts = (quality: number, speed: number, volume: number, reliability: number) => ({
      quality,
      headToHead: 0.5,
      speed,
      volume,
      reliability,
    });
    const miner = (uid: number, hotkey: string, over: object = {}) => ({
      uid,
      hotkey,
      sinceMs: METAGRAPH_MS,
      lastScores: [],
      capacity: null,
      movingScores: [],
      setWeight: null,
      trend: [],
      lastResults: [],
      ...over,
    });
    const t2i = (...points: Array<[number, number]>) => ({
      taskKind: 'TextToImage',
      points: points.map(([period, score]) => ({ period, score })),
    });
    // The weights and why are the same facts the page shows (REASONS), checked apart.
    const { miners, ...rest } = body;
    expect(miners.map(({ weight, ...m }) => m)).toEqual([
      miner(1, HONEST_HOTKEY, {
        lastScores: [
          { taskKind: 'Chat', score: 0.435, components: { ...parts(0.5, 0.8, 1, 1), check: 0.6 } },
          {
            taskKind: 'TextToImage',
            score: 0.6075,
            components: { ...parts(0.75, 0.9, 0.5, 1), check: 0.8 },
          },
        ],
        capacity: {
          period: 42,
          accepted: true,
          reason: null,
          volumes: { Chat: 4, TextToImage: 2 },
        },
        movingScores: [
          { taskKind: 'Chat', score: 0.5, samples: 2 },
          { taskKind: 'TextToImage', score: 0.75, samples: 4 },
        ],
        setWeight: { weight: 40_000, share: 40_000 / 65_535 },
        trend: [
          { taskKind: 'Chat', points: [{ period: 42, score: 0.435 }] },
          t2i([41, 0.7], [42, 0.6075]),
        ],
        lastResults: [
          ok('Chat', NOW - 20_000),
          ok('TextToImage', NOW - 30_000, { checkScore: 0.93, checkReason: 'partial' }),
        ],
      }),
      miner(2, HOSTILE_HOTKEY, {
        lastScores: [
          {
            taskKind: 'TextToImage',
            score: 0.0375,
            components: { ...parts(0.0625, 0, 0, 0.5), check: 0.1 },
          },
        ],
        capacity: {
          period: 42,
          accepted: false,
          reason: `Capacity 422: ${HOSTILE_ERROR}`,
          volumes: {},
        },
        movingScores: [{ taskKind: 'TextToImage', score: 0.125, samples: 1 }],
        setWeight: { weight: 20_000, share: 20_000 / 65_535 },
        trend: [t2i([42, 0.0375])],
        lastResults: [
          {
            taskKind: 'TextToImage',
            organic: false,
            outcome: 'failed',
            statusCode: 408,
            checkScore: null,
            checkReason: null,
            error: HOSTILE_ERROR,
            durationMs: null,
            createdMs: NOW - 10_000,
          },
          ok('TextToImage', NOW - 40_000, { organic: true }),
        ],
      }),
      miner(3, IDLE_HOTKEY, { setWeight: { weight: 5_535, share: 5_535 / 65_535 } }),
      miner(6, TWIN_A_HOTKEY, {
        lastScores: [
          {
            taskKind: 'TextToImage',
            score: 0.81,
            components: { ...parts(0.9, 1, 1, 1), check: 0.95 },
          },
        ],
        movingScores: [{ taskKind: 'TextToImage', score: 0.9, samples: 30 }],
        trend: [t2i([40, 0.78], [41, 0.8], [42, 0.81])],
        lastResults: [ok('TextToImage', NOW - 15_000)],
      }),
      miner(7, TWIN_B_HOTKEY, {
        lastScores: [
          {
            taskKind: 'TextToImage',
            score: 0.747,
            components: { ...parts(0.83, 1, 1, 1), check: 0.95 },
          },
        ],
        capacity: { period: 42, accepted: true, reason: null, volumes: { TextToImage: 2 } },
        movingScores: [{ taskKind: 'TextToImage', score: 0.83, samples: 20 }],
        trend: [t2i([41, 0.7], [42, 0.747])],
      }),
    ]);
    expect(Object.fromEntries(miners.map((m) => [m.uid, m.weight?.reason]))).toEqual(REASONS);
    // By hand (statusFixture): 0.86656, 0.00015, 0, 0.07203, 0.06126.
    expect(miners.map((m) => Number(m.weight?.weight.toFixed(5)))).toEqual([
      0.86656, 0.00015, 0, 0.07203, 0.06126,
    ]);
    expect(rest).toEqual({
      generatedMs: NOW,
      validator: { hotkey: VALIDATOR_HOTKEY, uid: 0, netuid: NETUID },
      chain: { endpoint: CHAIN_ENDPOINT, block: CHAIN_BLOCK, metagraphUpdatedMs: METAGRAPH_MS },
      periods: { lastHandled: 42, lastScored: 42, recent: [40, 41, 42] },
      notMiners: [
        {
          uid: 0,
          hotkey: VALIDATOR_HOTKEY,
          role: 'self',
          label: 'this validator',
          why: 'our hotkey',
          lastUpdate: 110,
        },
        {
          uid: 4,
          hotkey: OWNER_HOTKEY,
          role: 'owner',
          label: 'subnet owner',
          why: "the subnet owner's hotkey",
          lastUpdate: 2,
        },
        {
          uid: 5,
          hotkey: OTHER_VALIDATOR_HOTKEY,
          role: 'validator',
          label: 'validator',
          why: 'validator permit, never answered as a miner',
          lastUpdate: 105,
        },
      ],
      weights: {
        current: {
          id: 2,
          mode: 'commit',
          path: 'commit_hash',
          mecid: 0,
          state: 'committed',
          revealRound: null,
          block: 110,
          revealAfterBlock: 120,
          revealedBlock: null,
          versionKey: 3,
          error: null,
          createdMs: NOW - 5_000,
          updatedMs: NOW - 5_000,
          entries: [
            { uid: 1, weight: 40_000, share: 40_000 / 65_535 },
            { uid: 2, weight: 20_000, share: 20_000 / 65_535 },
            { uid: 3, weight: 5_535, share: 5_535 / 65_535 },
          ],
        },
        lastFailure: {
          id: 3,
          mode: 'set',
          path: 'set',
          mecid: 0,
          state: 'failed',
          revealRound: null,
          block: null,
          revealAfterBlock: null,
          revealedBlock: null,
          versionKey: 3,
          error: FAILED_SET_ERROR,
          createdMs: NOW - 1_000,
          updatedMs: NOW - 1_000,
          entries: [{ uid: 1, weight: 65_535, share: 1 }],
        },
        pendingCommits: 1,
        chain: {
          lastUpdate: 110,
          blocksAgo: 13,
          agreement: 'matches',
          text: 'matches: the chain last took weights from us at block 110, where our newest weights were committed',
        },
      },
    });
  });
});

describe('/healthz', () => {
  it('is 200 with the chain block, the metagraph age and the storage engine', async () => {
    const response = await get('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ok: true,
      failing: [],
      storage: { ok: true, engine: 'pglite' },
      chain: {
        ok: true,
        endpoint: CHAIN_ENDPOINT,
        block: CHAIN_BLOCK,
        metagraphUpdatedMs: METAGRAPH_MS,
        metagraphAgeS: 60,
      },
      uptimeS: 0,
    });
  });

  it('is 503 naming the chain when the newest metagraph is older than allowed', async () => {
    const later = await buildStatusApp(storage, {
      now: () => NOW + 5 * 60_000,
      metagraphStaleMs: 5 * 60_000,
    });
    try {
      const response = await later.app.inject({ method: 'GET', url: '/healthz' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({
        ok: false,
        failing: ['chain'],
        storage: { ok: true },
        chain: { ok: false, metagraphAgeS: 360 },
      });
    } finally {
      await later.close();
    }
  });
});

describe('when storage changes or fails', () => {
  let own: Storage;
  let app: StatusApp;

  beforeAll(async () => {
    own = await openStorage(await harness.freshConfig());
    app = await buildStatusApp(own);
  });

  afterAll(async () => {
    await app?.close();
    await own?.close().catch(() => undefined);
  });

  const scrape = async () => {
    const response = await app.app.inject({ method: 'GET', url: '/metrics' });
    return response.body;
  };

  it('reads an empty storage as zeros and -1 for "none yet", and new rows at the next scrape', async () => {
    const empty = await scrape();
    expect(samples(empty, 'validator_miners_known')).toEqual({ validator_miners_known: 0 });
    expect(samples(empty, 'validator_last_scored_period')).toEqual({
      validator_last_scored_period: -1,
    });
    expect(samples(empty, 'validator_last_weights_block')).toEqual({
      validator_last_weights_block: -1,
    });
    expect(samples(empty, 'validator_task_results')).toEqual({});

    await own.miners.sync({ uid: 5, hotkey: HONEST_HOTKEY }, NOW);
    await own.results.record({
      taskId: 'late',
      taskKind: 'Chat',
      uid: 5,
      hotkey: HONEST_HOTKEY,
      startedMs: NOW,
      statusCode: 500,
      error: 'boom',
      createdMs: NOW,
    });
    await own.weights.recordSet({
      netuid: NETUID,
      uids: [5],
      weights: [65_535],
      versionKey: 1,
      status: 'done',
      block: 77,
      nowMs: NOW,
    });
    const after = await scrape();
    expect(samples(after, 'validator_miners_known')).toEqual({ validator_miners_known: 1 });
    expect(samples(after, 'validator_task_results')).toEqual({
      'validator_task_results{kind="Chat",outcome="ok"}': 0,
      'validator_task_results{kind="Chat",outcome="failed"}': 1,
    });
    expect(samples(after, 'validator_last_weights_block')).toEqual({
      validator_last_weights_block: 77,
    });
  });

  it('answers 503 naming storage when storage cannot be queried', async () => {
    await own.close();
    const health = await app.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({
      ok: false,
      failing: ['storage'],
      storage: { ok: false, engine: 'pglite' },
      chain: { ok: true, block: CHAIN_BLOCK, metagraphUpdatedMs: null },
    });
    expect(typeof health.json().storage.error).toBe('string');

    const metrics = await scrape();
    expect(samples(metrics, 'validator_storage_up')).toEqual({ validator_storage_up: 0 });
    expect(samples(metrics, 'validator_miners_known')).toEqual({
      validator_miners_known: Number.NaN,
    });
    expect(samples(metrics, 'validator_task_results')).toEqual({});

    const page = await app.app.inject({ method: 'GET', url: '/status' });
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('storage cannot be queried');
    const json = await app.app.inject({ method: 'GET', url: '/status.json' });
    expect(json.statusCode).toBe(503);
    expect(json.json()).toEqual({
      error: {
        message: 'storage cannot be queried; see /healthz and the validator log',
        failing: ['storage'],
      },
    });
  });
});
