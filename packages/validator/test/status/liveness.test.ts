/**
 * `/healthz` and liveness: a daemon that runs but handles no period, or sets no weights, for more
 * than `stalePeriods` periods is unhealthy (`work`, `weights`); until its first period or weights
 * the time since start-up stands in. Periods of 10 blocks of 1 s, 2 stale periods allowed.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAST_PERIOD_KEY } from '../../src/daemon/validatorDaemon';
import { buildObservabilityApp } from '../../src/status/index';
import { openStorage, type Storage } from '../../src/storage/index';
import { type EngineHarness, engineHarness } from '../../src/storage/testing/index';

const NOW = 1_790_000_000_000;
const NETUID = 3;

let harness: EngineHarness;
let storage: Storage;

beforeAll(async () => {
  harness = engineHarness('pglite');
  storage = await openStorage(await harness.freshConfig());
  await storage.miners.sync({ uid: 0, hotkey: 'validator-hotkey' }, NOW - 1_000);
});

afterAll(async () => {
  await storage?.close();
  await harness?.close();
});

/** /healthz at chain block `block`, the app started `upMs` before NOW. */
async function health(block: number, upMs: number) {
  let clock = NOW - upMs;
  const app = buildObservabilityApp({
    storage,
    engine: storage.engine,
    netuid: NETUID,
    validator: { hotkey: 'validator-hotkey', uid: 0 },
    chain: () => ({ endpoint: 'ws://127.0.0.1:9944', block }),
    period: { blocks: 10, blockMs: 1_000, stalePeriods: 2 },
    now: () => clock,
    logger: pino({ level: 'silent' }),
  });
  clock = NOW;
  try {
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    const body = response.json();
    return {
      status: response.statusCode,
      failing: body.failing,
      work: body.work,
      weights: body.weights,
    };
  } finally {
    await app.close();
  }
}

describe('/healthz liveness', () => {
  it('is healthy right after start-up, before any period or weights', async () => {
    expect(await health(105, 5_000)).toEqual({
      status: 200,
      failing: [],
      work: { ok: true, last: null, periodsAgo: null },
      weights: { ok: true, last: null, periodsAgo: null },
    });
  });

  it('fails work and weights when nothing was handled for longer than 2 periods since start', async () => {
    // 25 s up = 2.5 periods of 10 s.
    expect(await health(130, 25_000)).toEqual({
      status: 503,
      failing: ['work', 'weights'],
      work: { ok: false, last: null, periodsAgo: 2 },
      weights: { ok: false, last: null, periodsAgo: 2 },
    });
  });

  it('counts periods by the chain: the last period handled and the block of the last weights', async () => {
    await storage.state.set(LAST_PERIOD_KEY, 11, NOW);
    await storage.weights.recordSet({
      netuid: NETUID,
      uids: [1],
      weights: [65_535],
      versionKey: 1,
      status: 'done',
      block: 118,
      nowMs: NOW,
    });
    // Block 135 is in period 13: period 11 was 2 periods ago, block 118 one period (17 blocks).
    expect(await health(135, 600_000)).toEqual({
      status: 200,
      failing: [],
      work: { ok: true, last: 11, periodsAgo: 2 },
      weights: { ok: true, last: 118, periodsAgo: 1 },
    });
    // Block 150 is in period 15: the work loop is 4 periods behind, the weights 3 (32 blocks).
    expect(await health(150, 600_000)).toEqual({
      status: 503,
      failing: ['work', 'weights'],
      work: { ok: false, last: 11, periodsAgo: 4 },
      weights: { ok: false, last: 118, periodsAgo: 3 },
    });
  });

  it('leaves a failed weights attempt out: only weights that landed count', async () => {
    await storage.weights.recordSet({
      netuid: NETUID,
      uids: [1],
      weights: [65_535],
      versionKey: 1,
      status: 'failed',
      block: 149,
      error: 'rate limited',
      nowMs: NOW,
    });
    expect((await health(150, 600_000)).weights).toEqual({ ok: false, last: 118, periodsAgo: 3 });
  });
});
