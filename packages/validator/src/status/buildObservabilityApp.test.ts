import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../storage/index';
import { type EngineHarness, engineHarness } from '../storage/testing/index';
import { buildObservabilityApp } from './buildObservabilityApp';

let harness: EngineHarness;
let storage: Storage;

beforeAll(async () => {
  harness = engineHarness('pglite');
  storage = await openStorage(await harness.freshConfig());
});

afterAll(async () => {
  await storage?.close();
  await harness?.close();
});

describe('buildObservabilityApp (a validator without the organic API)', () => {
  it('serves /healthz, /metrics and /status, and no API route', async () => {
    const app = buildObservabilityApp({
      storage,
      engine: storage.engine,
      netuid: 3,
      validator: { hotkey: 'validator-hotkey', uid: 9 },
      now: () => 1_000_000,
      logger: pino({ level: 'silent' }),
    });
    try {
      const health = await app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
      expect(health.json()).toEqual({
        ok: true,
        failing: [],
        storage: { ok: true, engine: 'pglite' },
        chain: {
          ok: true,
          endpoint: null,
          block: null,
          metagraphUpdatedMs: null,
          metagraphAgeS: null,
        },
        uptimeS: 0,
      });
      const page = await app.inject({ method: 'GET', url: '/status' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('<dd data-field="uid">9</dd>');
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toContain('validator_miners_known 0\n');
      expect((await app.inject({ method: 'GET', url: '/v1/models' })).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });
});
