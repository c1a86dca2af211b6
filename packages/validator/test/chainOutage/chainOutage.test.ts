// Chain outages, end to end: a validator process whose chain endpoint is a TCP proxy in front of
// the devnet. The proxy is cut three times (listener closed, connections destroyed: reconnects
// are refused); while it is down `/healthz` answers 503 naming `chain`, and after each restore
// the validator reconnects by itself and sets weights again within two periods. Then the process
// is SIGKILLed mid-period and started again on the same data directory: it sets weights again
// and everything stored before the kill is still there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChainClient } from '@subnet/chain';
import type { Devnet } from '@subnet/chain/devnet';
import { startTcpProxy, type TcpProxy } from '@subnet/chain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Health } from '../../src/status/index';
import { openStorage } from '../../src/storage/index';
import { chainWeights, startValidatorSubnet } from '../support/testHelpers';
import { type LogLine, spawnValidator, type ValidatorProcess } from './validatorProcess';

/**
 * How long each outage lasts: 25 s, several periods (6 blocks of 1 s) and well past the client's
 * reconnect backoff cap. `CHAIN_OUTAGE_MS` shortens it for a quick local run.
 */
const OUTAGE_MS = Number(process.env.CHAIN_OUTAGE_MS ?? 25_000);
const OUTAGES = 3;
const PERIOD_BLOCKS = 6;
const BLOCK_MS = 1_000;
/** Generous for a loaded 2-core box: waits poll a condition and end early. */
const WAIT_MS = 60_000;

// Seeded before the validator first starts: 0.6 and 0.2 → 0.75 / 0.25 → sharpened 0.9 / 0.1.
const SEEDED_PERIOD = 1;
const EXPECTED_WEIGHTS = { uids: [2, 3], values: [65535, 7282] };
const API_KEY = {
  id: 'outage000001',
  name: 'ops',
  secretHash: 'f'.repeat(64),
  rateLimitPerMinute: 7,
};

let devnet: Devnet;
let client: ChainClient;
let proxy: TcpProxy;
let walletDir: string;
let dataDir: string;
let netuid: number;
const spawned: ValidatorProcess[] = [];

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${String(last)})`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function lastUpdate(uid: number): Promise<number> {
  const query = devnet.api.query.subtensorModule?.lastUpdate;
  if (!query) throw new Error('the runtime has no SubtensorModule.LastUpdate');
  return Number(((await query(netuid)).toJSON() as number[])[uid] ?? 0);
}

async function healthz(url: string): Promise<{ status: number; body: Health }> {
  const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as Health };
}

function startBob(): ValidatorProcess {
  const v = spawnValidator([
    '--netuid',
    String(netuid),
    '--subtensor.network',
    proxy.endpoint,
    '--wallet.name',
    'bob',
    '--wallet.path',
    walletDir,
    '--data-dir',
    dataDir,
    '--period.blocks',
    String(PERIOD_BLOCKS),
    '--metagraph.every_blocks',
    '1',
    // No organic API: /healthz, /status and /metrics get a server of their own.
    '--api.enabled',
    'false',
    '--api.port',
    '0',
  ]);
  spawned.push(v);
  return v;
}

const isWeightsSet = (l: LogLine) => l.msg === 'weights set';

beforeAll(async () => {
  walletDir = mkdtempSync(join(tmpdir(), 'validator-outage-'));
  dataDir = join(walletDir, 'db');
  ({ devnet, client, netuid } = await startValidatorSubnet(walletDir));

  // What the validator has stored before it first runs: the metagraph, a period's scores (no
  // work loop runs: checking.models is empty, so weights come from these), a moving score and
  // an API key.
  const mg = await client.metagraph(netuid);
  const storage = await openStorage({ engine: 'pglite', dataDir });
  try {
    await storage.miners.syncMetagraph(
      mg.neurons.map((n) => ({ uid: n.uid, hotkey: n.hotkey })),
      1,
    );
    const hotkey = (uid: number) => mg.neurons[uid]?.hotkey ?? '';
    const seeded = await storage.scores.recordPeriod([
      {
        period: SEEDED_PERIOD,
        uid: 2,
        taskKind: 'image',
        hotkey: hotkey(2),
        score: 0.6,
        components: {},
        createdMs: 1,
      },
      {
        period: SEEDED_PERIOD,
        uid: 3,
        taskKind: 'image',
        hotkey: hotkey(3),
        score: 0.2,
        components: {},
        createdMs: 1,
      },
    ]);
    expect(seeded).toBe(2);
    expect(
      await storage.scores.setMoving({
        uid: 2,
        taskKind: 'image',
        hotkey: hotkey(2),
        score: 0.6,
        samples: 3,
        updatedMs: 1,
      }),
    ).toBe(true);
    await storage.apiKeys.create({ ...API_KEY, nowMs: 1 });
  } finally {
    await storage.close();
  }

  proxy = await startTcpProxy({ targetHost: devnet.host, targetPort: devnet.port });
  devnet.setBlockMode({ intervalMs: BLOCK_MS });
});

afterAll(async () => {
  for (const v of spawned) {
    if (v.child.exitCode === null && v.child.signalCode === null) v.child.kill('SIGKILL');
    await v.exited;
  }
  await client?.close();
  await proxy?.close();
  await devnet?.close();
  if (walletDir) rmSync(walletDir, { recursive: true, force: true });
});

describe('a validator through chain outages and a SIGKILL', () => {
  it(
    'reports each outage on /healthz, sets weights again after each, and keeps its storage across a kill',
    async () => {
      const first = startBob();
      let url = String(
        (
          await first.waitFor(
            'status server',
            (l) =>
              typeof l.url === 'string' &&
              l.msg !== undefined &&
              String(l.msg).startsWith('status and metrics listening'),
          )
        ).url,
      );
      let set = await first.waitFor('weights set', isWeightsSet);
      expect(set.uids).toEqual(EXPECTED_WEIGHTS.uids);
      expect(await chainWeights(devnet, netuid, 1)).toEqual(EXPECTED_WEIGHTS);
      const up = await healthz(url);
      expect(up.status).toBe(200);
      expect(up.body.chain).toMatchObject({ ok: true, connected: true, disconnectedForS: 0 });

      for (let outage = 1; outage <= OUTAGES; outage++) {
        const cutAt = Date.now();
        await proxy.cut();
        const down = await until(`/healthz to report outage ${outage}`, async () => {
          const h = await healthz(url);
          return h.status === 503 && h.body.chain.connected === false ? h : undefined;
        });
        expect(down.body).toMatchObject({
          ok: false,
          failing: ['chain'],
          storage: { ok: true },
          chain: { ok: false, connected: false, endpoint: proxy.endpoint },
        });
        // The outage lasts its length; /healthz keeps reporting it, counting its seconds.
        await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - cutAt))));
        const late = await healthz(url);
        expect(late.status).toBe(503);
        expect(late.body.chain.disconnectedForS).toBeGreaterThanOrEqual(
          Math.floor(OUTAGE_MS / 1000) - 1,
        );

        const from = first.lines.length;
        const restoredAtBlock = devnet.head();
        await proxy.restore();
        const back = await until(`/healthz to recover from outage ${outage}`, async () => {
          const h = await healthz(url);
          return h.status === 200 ? h : undefined;
        });
        expect(back.body.chain).toMatchObject({ ok: true, connected: true, disconnectedForS: 0 });
        await first.waitFor('reconnected', (l) => l.msg === 'reconnected to chain', { from });
        // A new submission lands within two periods of the restore (blocks, not wall time).
        set = await first.waitFor(`weights set after outage ${outage}`, isWeightsSet, { from });
        expect(Number(set.block)).toBeGreaterThan(restoredAtBlock);
        expect(Number(set.block)).toBeLessThanOrEqual(restoredAtBlock + 2 * PERIOD_BLOCKS + 1);
        expect(await lastUpdate(1)).toBeGreaterThanOrEqual(Number(set.block));
      }

      // SIGKILL mid-period: a block in the middle of a period, after weights were set in it.
      const setBeforeKill = first.lines.filter(isWeightsSet).map((l) => Number(l.block));
      await until('a block mid-period', () =>
        devnet.head() % PERIOD_BLOCKS === PERIOD_BLOCKS / 2 ? true : undefined,
      );
      const killedAtBlock = devnet.head();
      first.child.kill('SIGKILL');
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

      const second = startBob();
      url = String(
        (
          await second.waitFor(
            'status server',
            (l) =>
              typeof l.url === 'string' && String(l.msg).startsWith('status and metrics listening'),
          )
        ).url,
      );
      const resumed = await second.waitFor('weights set after the kill', isWeightsSet);
      expect(Number(resumed.block)).toBeGreaterThan(killedAtBlock);
      expect(resumed.uids).toEqual(EXPECTED_WEIGHTS.uids);
      expect(await chainWeights(devnet, netuid, 1)).toEqual(EXPECTED_WEIGHTS);
      expect(await lastUpdate(1)).toBeGreaterThanOrEqual(Number(resumed.block));
      expect((await healthz(url)).status).toBe(200);

      second.child.kill('SIGTERM');
      expect(await second.exited).toEqual({ code: 0, signal: null });

      // Nothing stored before the kill is lost.
      const storage = await openStorage({ engine: 'pglite', dataDir });
      try {
        const history = await storage.weights.history(netuid, 1_000);
        const doneBlocks = history.filter((w) => w.status === 'done').map((w) => w.block);
        for (const block of setBeforeKill) expect(doneBlocks).toContain(block);
        expect(doneBlocks).toContain(Number(resumed.block));
        expect(
          (await storage.scores.listPeriod(SEEDED_PERIOD)).map((s) => [s.uid, s.score]),
        ).toEqual([
          [2, 0.6],
          [3, 0.2],
        ]);
        expect(
          (await storage.scores.listMoving()).map((m) => [m.uid, m.taskKind, m.score, m.samples]),
        ).toEqual([[2, 'image', 0.6, 3]]);
        expect(await storage.apiKeys.get(API_KEY.id)).toMatchObject({
          ...API_KEY,
          createdMs: 1,
          revokedMs: null,
        });
        expect((await storage.miners.list()).map((m) => m.uid)).toEqual([0, 1, 2, 3]);
      } finally {
        await storage.close();
      }
    },
    // Setup is in beforeAll; this covers the outages, the kill and restart, with room to spare.
    180_000 + OUTAGES * OUTAGE_MS,
  );
});
