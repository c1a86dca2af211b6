// Weights on the real devnet (spec-218 runtime in chopsticks): scores in storage → weightVector →
// the SDK's u16 vector on chain; the rate limit skips without sending; commit-reveal survives a
// restart between commit and reveal.
import { ChainClient, neuronByHotkey } from '@subnet/chain';
import { type Devnet, startDevnet } from '@subnet/chain/devnet';
import { type DevKeys, devKeys } from '@subnet/chain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../src/storage/index';
import type { StorageConfig } from '../src/storage/storageConfig';
import { type EngineHarness, engineHarness } from '../src/storage/testing/index';
import { WeightSetter } from '../src/weights/index';
import {
  captureLogger as captureLines,
  chainWeights as weightsOnChain,
} from './support/testHelpers';

let devnet: Devnet;
let client: ChainClient;
let harness: EngineHarness;
let config: StorageConfig;
let storage: Storage;
let bob: DevKeys;
let netuid: number;
let charlieUid: number;
let daveUid: number;
const lines: Array<Record<string, unknown>> = [];

const captureLogger = () => captureLines(lines);
const chainWeights = (uid: number) => weightsOnChain(devnet, netuid, uid);

async function nonceOf(address: string): Promise<number> {
  return (await devnet.api.rpc.system.accountNextIndex(address)).toNumber();
}

async function syncMiners(): Promise<void> {
  const mg = await client.metagraph(netuid);
  await storage.miners.syncMetagraph(
    mg.neurons.map((n) => ({ uid: n.uid, hotkey: n.hotkey })),
    Date.now(),
  );
}

function setter(): WeightSetter {
  return new WeightSetter({ client, storage, netuid, hotkey: bob.hotkey, logger: captureLogger() });
}

beforeAll(async () => {
  harness = engineHarness('pglite');
  config = await harness.freshConfig();
  storage = await openStorage(config);
  devnet = await startDevnet();
  netuid = devnet.netuid;
  client = await ChainClient.connect({ network: devnet.endpoint });
  const keys = await devKeys();
  bob = keys.bob;
  // One after another, so the uids are fixed: bob 1, charlie 2, dave 3.
  await client.burnedRegister({ netuid, coldkey: bob.coldkey, hotkey: bob.hotkey.address });
  charlieUid = await client.burnedRegister({
    netuid,
    coldkey: keys.charlie.coldkey,
    hotkey: keys.charlie.hotkey.address,
  });
  daveUid = await client.burnedRegister({
    netuid,
    coldkey: keys.dave.coldkey,
    hotkey: keys.dave.hotkey.address,
  });
  expect([charlieUid, daveUid]).toEqual([2, 3]);
  await client.addStake({
    netuid,
    coldkey: bob.coldkey,
    hotkey: bob.hotkey.address,
    amount: 1_000n * 1_000_000_000n,
  });
  // The validator permit comes with the next epoch.
  for (let i = 0; i < 6; i++) {
    if (neuronByHotkey(await client.metagraph(netuid), bob.hotkey.address)?.validatorPermit) break;
    await devnet.newBlocks(6);
  }
  await devnet.sudoSet({ minAllowedWeights: 1, maxWeightLimit: 65535 });
  await syncMiners();
});

afterAll(async () => {
  await storage?.close();
  await client?.close();
  await devnet?.close();
  await harness?.close();
});

describe('set_weights', () => {
  it('puts the u16 vector of the newest period scores on chain and records it', async () => {
    const hotkeys = new Map((await storage.miners.list()).map((m) => [m.uid, m.hotkey]));
    // An older period that must not count.
    await storage.scores.recordPeriod([
      {
        period: 1,
        uid: daveUid,
        taskKind: 'text',
        hotkey: hotkeys.get(daveUid) ?? '',
        score: 1,
        components: {},
        createdMs: 1,
      },
    ]);
    await storage.scores.recordPeriod([
      {
        period: 2,
        uid: charlieUid,
        taskKind: 'text',
        hotkey: hotkeys.get(charlieUid) ?? '',
        score: 0.9,
        components: {},
        createdMs: 2,
      },
      {
        period: 2,
        uid: daveUid,
        taskKind: 'text',
        hotkey: hotkeys.get(daveUid) ?? '',
        score: 0.3,
        components: {},
        createdMs: 2,
      },
    ]);
    const outcome = await setter().setForLatestPeriod();
    // 0.9 and 0.3 → shares 0.75 / 0.25 → sharpened (^2) 0.9 / 0.1 → 65535 and 65535/9 rounded.
    const expected = { uids: [charlieUid, daveUid], values: [65535, 7282] };
    expect(outcome).toMatchObject({ kind: 'set', period: 2, ...expected });
    const bobUid = (await client.uidForHotkey(netuid, bob.hotkey.address)) as number;
    expect(await chainWeights(bobUid)).toEqual(expected);
    const [row] = await storage.weights.history(netuid, 1);
    expect(row).toMatchObject({
      mode: 'set',
      status: 'done',
      uids: expected.uids,
      weights: expected.values,
      versionKey: 10_005_000,
      block: outcome.kind === 'set' ? outcome.block : -1,
    });
  });

  it('skips a second call inside WeightsSetRateLimit with a clear log, sending nothing', async () => {
    await devnet.sudoSet({ weightsSetRateLimit: 100 });
    const head = devnet.head();
    const nonce = await nonceOf(bob.hotkey.address);
    const rowsBefore = (await storage.weights.history(netuid, 100)).length;
    lines.length = 0;
    const outcome = await setter().setForLatestPeriod();
    expect(outcome).toMatchObject({ kind: 'skipped', reason: 'rate_limited' });
    const skipped = lines.find((l) => l.reason === 'rate_limited');
    expect(skipped?.msg).toMatch(
      /^weights skipped: weights: subnet \d+ allows weights every 100 blocks; uid 1 last set them at block \d+, \d+ more block\(s\) to wait$/,
    );
    expect(skipped?.level).toBe(30);
    expect(devnet.head()).toBe(head);
    expect(await nonceOf(bob.hotkey.address)).toBe(nonce);
    expect((await storage.weights.history(netuid, 100)).length).toBe(rowsBefore);
  });
});

describe('a refused extrinsic', () => {
  it('is recorded as failed and reported, not thrown', async () => {
    await devnet.sudoSet({ weightsSetRateLimit: 0 });
    // A uid the chain does not have (a stale miners row) makes the runtime refuse the vector.
    await storage.miners.sync({ uid: 9, hotkey: 'stale-hotkey' }, Date.now());
    const hotkeys = new Map((await storage.miners.list()).map((m) => [m.uid, m.hotkey]));
    await storage.scores.recordPeriod([
      {
        period: 3,
        uid: charlieUid,
        taskKind: 'text',
        hotkey: hotkeys.get(charlieUid) ?? '',
        score: 0.5,
        components: {},
        createdMs: 3,
      },
      {
        period: 3,
        uid: 9,
        taskKind: 'text',
        hotkey: 'stale-hotkey',
        score: 0.5,
        components: {},
        createdMs: 3,
      },
    ]);
    lines.length = 0;
    const outcome = await setter().setForLatestPeriod();
    expect(outcome).toMatchObject({ kind: 'failed', code: 'CHAIN_DISPATCH' });
    expect(outcome.kind === 'failed' ? outcome.error : '').toMatch(
      /^SubtensorModule\.UidVecContainInvalidOne/,
    );
    // Stored before it was sent, then marked failed with the chain's reason.
    const [row] = await storage.weights.history(netuid, 1);
    expect(row).toMatchObject({
      mode: 'set',
      path: 'set',
      status: 'failed',
      block: null,
      uids: [charlieUid, 9],
      weights: [65535, 65535],
    });
    expect(row?.error).toMatch(/^SubtensorModule\.UidVecContainInvalidOne/);
    expect(
      lines.some(
        (l) =>
          l.level === 40 &&
          String(l.msg).startsWith('set refused: SubtensorModule.UidVecContainInvalidOne'),
      ),
    ).toBe(true);
  });
});

describe('commit-reveal', () => {
  it('commits from storage-first records and reveals after a restart', async () => {
    await devnet.sudoSet({ commitRevealWeightsEnabled: true, weightsSetRateLimit: 0 });
    const hotkeys = new Map((await storage.miners.list()).map((m) => [m.uid, m.hotkey]));
    await storage.scores.recordPeriod([
      {
        period: 4,
        uid: charlieUid,
        taskKind: 'text',
        hotkey: hotkeys.get(charlieUid) ?? '',
        score: 1,
        components: { quality: 1, headToHead: 1, speed: 1, volume: 1 },
        createdMs: 3,
      },
      {
        period: 4,
        uid: daveUid,
        taskKind: 'text',
        hotkey: hotkeys.get(daveUid) ?? '',
        score: 1,
        components: { quality: 1, headToHead: 0, speed: 0, volume: 0 },
        createdMs: 3,
      },
    ]);
    // Commit early in an epoch, so the reveal is not due right away.
    const { tempo } = await client.hyperparameters(netuid);
    const blocksToEpoch = (block: number) => tempo - ((block + netuid + 1) % (tempo + 1));
    while (blocksToEpoch(devnet.head() + 1) < 3) await devnet.newBlocks(1);

    const committed = await setter().setForLatestPeriod();
    // Task scores 1 and 0.5 → 2/3 and 1/3 → sharpened 0.8 / 0.2 → 65535 and 16384.
    const expected = { uids: [charlieUid, daveUid], values: [65535, 16384] };
    expect(committed).toMatchObject({ kind: 'committed', period: 4, ...expected });
    const [pending] = await storage.weights.pendingCommits(netuid);
    const [onChain] = await client.weights.hashCommits(netuid, bob.hotkey.address);
    expect(pending?.commitHash).toBe(onChain?.hash);
    expect(pending).toMatchObject({
      mode: 'commit',
      path: 'commit_hash',
      status: 'pending',
      weights: expected.values,
      block: committed.kind === 'committed' ? committed.block : -1,
    });
    expect(onChain?.window).toBe('waiting');
    expect(pending?.revealAfterBlock).toBe(onChain?.firstRevealBlock);

    // Restart: storage closed and opened again, a new setter with nothing in memory.
    await storage.close();
    storage = await openStorage(config);
    const restarted = setter();
    expect(await restarted.followUp()).toEqual([
      { kind: 'waiting', id: pending?.id, firstRevealBlock: onChain?.firstRevealBlock },
    ]);
    while (devnet.head() + 1 < (onChain?.firstRevealBlock ?? 0)) await devnet.newBlocks(1);
    const [revealed] = await restarted.followUp();
    expect(revealed).toMatchObject({ kind: 'revealed', id: pending?.id });
    const bobUid = (await client.uidForHotkey(netuid, bob.hotkey.address)) as number;
    expect(await chainWeights(bobUid)).toEqual(expected);
    expect(await storage.weights.pendingCommits(netuid)).toEqual([]);
    expect(await storage.weights.get(pending?.id ?? -1)).toMatchObject({
      status: 'done',
      revealedBlock: revealed?.kind === 'revealed' ? revealed.block : -1,
    });
  });
});
