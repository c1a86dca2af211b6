// /healthz and the chain connection: `chain` fails while the connection is down, whatever the
// metagraph's age, with how long it has been down; it recovers when the connection is back. A
// chain view that does not report the connection leaves the answer as it was.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildObservabilityApp, type ChainView } from '../../src/status/index';
import { openStorage, type Storage } from '../../src/storage/index';
import { type EngineHarness, engineHarness } from '../../src/storage/testing/index';

const NOW = 1_790_000_000_000;
const ENDPOINT = 'ws://127.0.0.1:9944';

let harness: EngineHarness;
let storage: Storage;

beforeAll(async () => {
  harness = engineHarness('pglite');
  storage = await openStorage(await harness.freshConfig());
  // A metagraph written a minute ago: fresh, so only the connection can fail `chain`.
  await storage.miners.sync({ uid: 0, hotkey: 'validator-hotkey' }, NOW - 60_000);
});

afterAll(async () => {
  await storage?.close();
  await harness?.close();
});

async function healthWith(view: ChainView) {
  const app = buildObservabilityApp({
    storage,
    engine: storage.engine,
    netuid: 3,
    validator: { hotkey: 'validator-hotkey', uid: 0 },
    chain: () => view,
    now: () => NOW,
    logger: pino({ level: 'silent' }),
  });
  try {
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    return { status: response.statusCode, body: response.json() };
  } finally {
    await app.close();
  }
}

describe('/healthz with the chain connection', () => {
  it('is 503 naming chain while the connection is down, with the seconds it has been down', async () => {
    const health = await healthWith({
      endpoint: ENDPOINT,
      block: 120,
      connection: { connected: false, sinceMs: NOW - 25_400 },
    });
    expect(health.status).toBe(503);
    expect(health.body).toEqual({
      ok: false,
      failing: ['chain'],
      storage: { ok: true, engine: 'pglite' },
      chain: {
        ok: false,
        endpoint: ENDPOINT,
        block: 120,
        metagraphUpdatedMs: NOW - 60_000,
        metagraphAgeS: 60,
        connected: false,
        disconnectedForS: 25,
      },
      uptimeS: 0,
    });
  });

  it('is 200 once the connection is back, with no time down', async () => {
    const health = await healthWith({
      endpoint: ENDPOINT,
      block: 121,
      connection: { connected: true, sinceMs: NOW - 2_000 },
    });
    expect(health.status).toBe(200);
    expect(health.body.chain).toEqual({
      ok: true,
      endpoint: ENDPOINT,
      block: 121,
      metagraphUpdatedMs: NOW - 60_000,
      metagraphAgeS: 60,
      connected: true,
      disconnectedForS: 0,
    });
  });

  it('answers as before when the chain view does not report the connection', async () => {
    const health = await healthWith({ endpoint: ENDPOINT, block: 121 });
    expect(health.status).toBe(200);
    expect(health.body.chain).toEqual({
      ok: true,
      endpoint: ENDPOINT,
      block: 121,
      metagraphUpdatedMs: NOW - 60_000,
      metagraphAgeS: 60,
    });
  });
});
