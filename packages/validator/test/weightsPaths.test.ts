// The validator's weights on the spec-293 runtime, by the paths the chain asks for: a timelocked
// commit stored before it is sent and applied by the chain itself at its drand round (a real
// pulse written into the drand pallet), and weights whose send had no answer (a cut connection,
// a crash between storing and sending) read back from the chain and recorded as they are.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainClient } from '@subnet/chain';
import {
  QUICKNET_ROUND_1000,
  startTcpProxy,
  storeDrandPulses,
  type TcpProxy,
} from '@subnet/chain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../src/storage/index';
import { type EngineHarness, engineHarness } from '../src/storage/testing/index';
import { WeightSetter } from '../src/weights/index';
import {
  captureLogger,
  chainWeights,
  startValidatorSubnet,
  type ValidatorSubnet,
} from './support/testHelpers';

let net: ValidatorSubnet;
let harness: EngineHarness;
let storage: Storage;
let walletDir: string;
let period = 10;
/** The clock of the timelocked client, frozen, moved so that its commit targets round 1000. */
let clockMs = Date.now();
const lines: Array<Record<string, unknown>> = [];

async function scorePeriod(scores: Record<number, number>): Promise<number> {
  period += 1;
  const hotkeys = new Map((await storage.miners.list()).map((m) => [m.uid, m.hotkey]));
  await storage.scores.recordPeriod(
    Object.entries(scores).map(([uid, score]) => ({
      period,
      uid: Number(uid),
      taskKind: 'text',
      hotkey: hotkeys.get(Number(uid)) ?? '',
      score,
      components: {},
      createdMs: period,
    })),
  );
  return period;
}

function setter(client: ChainClient): WeightSetter {
  return new WeightSetter({
    client,
    storage,
    netuid: net.netuid,
    hotkey: net.keys.bob.hotkey,
    logger: captureLogger(lines),
    versionKey: 11n,
  });
}

beforeAll(async () => {
  walletDir = await mkdtemp(join(tmpdir(), 'weights-paths-'));
  net = await startValidatorSubnet(walletDir, { runtime: 'spec293' });
  harness = engineHarness('pglite');
  storage = await openStorage(await harness.freshConfig());
  const mg = await net.client.metagraph(net.netuid);
  await storage.miners.syncMetagraph(
    mg.neurons.map((n) => ({ uid: n.uid, hotkey: n.hotkey })),
    Date.now(),
  );
}, 180_000);

afterAll(async () => {
  await storage?.close();
  await harness?.close();
  await net?.client.close();
  await net?.devnet.close();
  await rm(walletDir, { recursive: true, force: true });
});

describe('a timelocked commit', () => {
  it('is stored with its round and ciphertext, then applied by the chain at the reveal block', async () => {
    const { devnet, netuid } = net;
    await devnet.sudoSet({ commitRevealWeightsEnabled: true, weightsSetRateLimit: 0 });
    await storeDrandPulses(devnet.endpoint, [QUICKNET_ROUND_1000], 999n);
    const client = await ChainClient.connect({ network: devnet.endpoint, now: () => clockMs });
    try {
      // Where the round lands now, to move the clock so that it lands on the stored pulse.
      const probe = await client.weights.prepare({
        netuid,
        hotkey: net.keys.bob.hotkey,
        uids: [2],
        weights: [1],
      });
      if (probe.path !== 'commit_timelocked') throw new Error(`path ${probe.path}`);
      clockMs -= Number((probe.revealRound - 1000n) * 3n) * 1000;

      await scorePeriod({ 2: 1, 3: 0.5 });
      const outcome = await setter(client).setForLatestPeriod();
      // Task scores 1 and 0.5 → 2/3 and 1/3 → sharpened 0.8 / 0.2 → 65535 and 16384.
      expect(outcome).toMatchObject({
        kind: 'committed',
        path: 'commit_timelocked',
        mecid: 0,
        uids: [2, 3],
        values: [65535, 16384],
        revealRound: 1000,
      });
      if (outcome.kind !== 'committed') throw new Error(outcome.kind);
      const [row] = await storage.weights.history(netuid, 1);
      const [onChain] = await client.weights.timelockedCommits(netuid);
      expect(row).toMatchObject({
        path: 'commit_timelocked',
        mode: 'commit',
        status: 'done',
        block: outcome.block,
        revealRound: 1000,
        revealAfterBlock: outcome.revealAfterBlock,
        commitData: onChain?.commit,
        uid: 1,
        versionKey: 11,
      });
      expect(onChain).toMatchObject({ hotkey: net.keys.bob.hotkey.address, revealRound: 1000n });
      expect(await storage.weights.pendingCommits(netuid)).toEqual([]);

      while (devnet.head() < outcome.revealAfterBlock - 1) await devnet.newBlocks(1);
      expect(await chainWeights(devnet, netuid, 1)).toEqual({ uids: [], values: [] });
      await devnet.newBlocks(1);
      expect(await chainWeights(devnet, netuid, 1)).toEqual({
        uids: [2, 3],
        values: [65535, 16384],
      });
    } finally {
      await client.close();
      await devnet.sudoSet({ commitRevealWeightsEnabled: false });
    }
  });
});

describe('weights whose send had no answer', () => {
  let proxy: TcpProxy;
  let viaProxy: ChainClient;

  beforeAll(async () => {
    proxy = await startTcpProxy({ targetHost: net.devnet.host, targetPort: net.devnet.port });
    viaProxy = await ChainClient.connect({
      network: proxy.endpoint,
      connectTimeoutMs: 5_000,
      reconnect: { minDelayMs: 50, maxDelayMs: 200 },
    });
  });

  afterAll(async () => {
    net.devnet.setBlockMode('instant');
    await viaProxy?.close();
    await proxy?.close();
  });

  it('are in flight, not refused, and recorded as landed once the chain is read', async () => {
    const { devnet, netuid } = net;
    devnet.setBlockMode('manual');
    await scorePeriod({ 2: 1, 3: 1 });
    const weights = setter(viaProxy);
    const pending = weights.setForLatestPeriod();
    for (let i = 0; i < 500; i++) {
      if ((await devnet.api.rpc.author.pendingExtrinsics()).length > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await proxy.cut();
    const outcome = await pending;
    expect(outcome).toMatchObject({ kind: 'in_flight', mecid: 0, error: expect.any(String) });
    if (outcome.kind !== 'in_flight') throw new Error(outcome.kind);
    expect(await storage.weights.get(outcome.id)).toMatchObject({
      status: 'pending',
      block: null,
      path: 'set',
    });
    const block = await devnet.newBlocks(1);
    await proxy.restore();
    expect(await weights.followUp()).toEqual([{ kind: 'landed', id: outcome.id, block }]);
    expect(await storage.weights.get(outcome.id)).toMatchObject({ status: 'done', block });
    expect(await chainWeights(devnet, netuid, 1)).toEqual({
      uids: [2, 3],
      values: [65535, 65535],
    });
    expect(
      lines.some((l) => l.msg === 'weights sent without an answer had landed' && l.block === block),
    ).toBe(true);
  });

  it('stored but never sent (a crash in between): the follow-up finds it did not land and sends again', async () => {
    const { devnet, netuid } = net;
    devnet.setBlockMode('instant');
    await scorePeriod({ 2: 1, 3: 0.5 });
    const head = devnet.head();
    const lost = await storage.weights.recordPrepared({
      netuid,
      path: 'set',
      mecid: 0,
      uid: 1,
      preparedBlock: head,
      uids: [2, 3],
      weights: [65535, 16384],
      versionKey: 11,
      nowMs: 1,
    });
    const weights = setter(viaProxy);
    // While it is unresolved, a new period's weights wait for it.
    await devnet.newBlocks(1);
    expect(await weights.followUp()).toEqual([{ kind: 'not_landed', id: lost }]);
    expect(await storage.weights.get(lost)).toMatchObject({
      status: 'failed',
      error: 'sent without an answer, and the chain has no trace of it: sent again',
    });
    const [again] = await storage.weights.history(netuid, 1);
    expect(again).toMatchObject({ path: 'set', status: 'done', uids: [2, 3] });
    expect(again?.id).toBeGreaterThan(lost);
    expect(await chainWeights(devnet, netuid, 1)).toEqual({
      uids: [2, 3],
      values: [65535, 16384],
    });
  });
});
