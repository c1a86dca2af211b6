// Every weights path on the real spec-293 runtime in chopsticks: the path read from the chain,
// a timelocked (CRv3) commit that the chain itself decrypts with a real drand pulse and applies,
// refusals before sending, and the outcome of a weights extrinsic whose answer was cut off.
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainClient } from '../src/client/chainClient.js';
import { storage } from '../src/client/pallet.js';
import { type Devnet, startDevnet } from '../src/devnet/index.js';
import { ChainError, ChainErrorCode } from '../src/errors.js';
import { neuronByHotkey } from '../src/metagraph.js';
import {
  type DevKeys,
  devKeys,
  QUICKNET_ROUND_1000,
  startTcpProxy,
  storeDrandPulses,
  type TcpProxy,
} from '../src/testing/index.js';
import { decodeLegacyWeightsPayload, parseTle, timelockDecrypt } from '../src/timelock/index.js';
import type { PreparedWeights } from '../src/weights/chainWeights.js';

let devnet: Devnet;
let client: ChainClient;
/** Its clock, frozen, and moved so that a commit targets drand round 1000. */
let clockMs = Date.now();
let bob: DevKeys;
let netuid: number;
let bobUid: number;

async function codeOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof ChainError ? e.code : String(e)),
  );
}

async function storedWeights(uid: number): Promise<[number, number][]> {
  return (await storage(devnet.api, 'weights')(netuid, uid)).toJSON() as [number, number][];
}

async function nonceOf(address: string): Promise<number> {
  return (await devnet.api.rpc.system.accountNextIndex(address)).toNumber();
}

beforeAll(async () => {
  devnet = await startDevnet({ runtime: 'spec293' });
  netuid = devnet.netuid;
  client = await ChainClient.connect({ network: devnet.endpoint, now: () => clockMs });
  const keys = await devKeys();
  bob = keys.bob;
  bobUid = await client.burnedRegister({
    netuid,
    coldkey: bob.coldkey,
    hotkey: bob.hotkey.address,
  });
  await client.burnedRegister({
    netuid,
    coldkey: keys.charlie.coldkey,
    hotkey: keys.charlie.hotkey.address,
  });
  await client.addStake({
    netuid,
    coldkey: bob.coldkey,
    hotkey: bob.hotkey.address,
    amount: 1_000n * 1_000_000_000n,
  });
  // The validator permit comes with the next epoch.
  for (let i = 0; i < 8; i++) {
    if (neuronByHotkey(await client.metagraph(netuid), bob.hotkey.address)?.validatorPermit) break;
    await devnet.newBlocks(6);
  }
  await devnet.sudoSet({ minAllowedWeights: 1, maxWeightLimit: 65535, weightsSetRateLimit: 0 });
}, 180_000);

afterAll(async () => {
  await client?.close();
  await devnet?.close();
});

describe('the weights path, read from the chain', () => {
  it('is set_weights with commit-reveal off, hash commits without drand pulses, and checks overrides', async () => {
    await devnet.sudoSet({ commitRevealWeightsEnabled: false });
    expect(await client.weights.policy(netuid)).toMatchObject({
      path: 'set',
      commitReveal: false,
      timelockedPayload: 'legacy',
      commitRevealVersion: undefined,
      mechanismCount: 1,
      epochModel: 'fixed',
      drandLastRound: 0n,
      tempo: 10,
    });
    await devnet.sudoSet({ commitRevealWeightsEnabled: true });
    const hash = await client.weights.policy(netuid);
    expect(hash.path).toBe('commit_hash');
    expect(hash.reason).toBe(
      'commit-reveal is on and the chain stores no drand pulses, so a timelocked commit could never be revealed: hash commit/reveal',
    );
    expect(await codeOf(client.weights.policy(netuid, { override: 'set' }))).toBe(
      ChainErrorCode.CommitRevealMismatch,
    );
    expect((await client.weights.policy(netuid, { override: 'commit_timelocked' })).path).toBe(
      'commit_timelocked',
    );
    // What an operator reads with `pnpm chain weights policy`: its bin, in the operator's folder
    // (async: the devnet runs in this process and must keep answering).
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.INIT_CWD;
    const { stdout: cli } = await promisify(execFile)(
      process.execPath,
      [
        join(import.meta.dirname, '../bin/chain.mjs'),
        'weights',
        'policy',
        '--subtensor.network',
        devnet.endpoint,
        '--netuid',
        String(netuid),
      ],
      { encoding: 'utf8', cwd: tmpdir(), env },
    );
    expect(cli.split('\n').slice(0, 3)).toEqual([
      'path               commit_hash (commit-reveal is on and the chain stores no drand pulses, so a timelocked commit could never be revealed: hash commit/reveal)',
      'commit-reveal      on',
      'reveal period      1 epoch(s), tempo 10, fixed epochs',
    ]);
  });
});

describe('a timelocked commit', () => {
  it('is stored on chain with its round, and the chain decrypts it with the pulse and applies it', async () => {
    await devnet.sudoSet({ commitRevealWeightsEnabled: true });
    await storeDrandPulses(devnet.endpoint, [QUICKNET_ROUND_1000], 999n);
    const policy = await client.weights.policy(netuid);
    expect(policy).toMatchObject({ path: 'commit_timelocked', drandLastRound: 999n });
    const args = {
      netuid,
      hotkey: bob.hotkey,
      uids: [0, 1, 2],
      weights: [0.2, 0.3, 0.5],
      versionKey: 7n,
      policy,
    };
    // The round follows the clock: move this client's clock so that the commit targets 1000.
    const first = await client.weights.prepare(args);
    if (first.path !== 'commit_timelocked') throw new Error(first.path);
    clockMs -= Number((first.revealRound - 1000n) * 3n) * 1000;
    const prepared = await client.weights.prepare(args);
    if (prepared.path !== 'commit_timelocked') throw new Error(prepared.path);
    expect(prepared.revealRound).toBe(1000n);
    expect(prepared.values).toEqual([26214, 39321, 65535]);
    // Spec 293 decodes the payload without the hotkey; ours decrypts to exactly the vector.
    const payload = decodeLegacyWeightsPayload(
      timelockDecrypt(
        Buffer.from(prepared.commit.slice(2), 'hex'),
        Buffer.from(QUICKNET_ROUND_1000.signature.slice(2), 'hex'),
        { round: 1000n },
      ),
    );
    expect(payload).toEqual({ uids: [0, 1, 2], values: [26214, 39321, 65535], versionKey: 7n });
    // 22 payload bytes (3 uids, 3 values, the version key) and the 16-byte tag.
    expect(parseTle(Buffer.from(prepared.commit.slice(2), 'hex')).ciphertext.length).toBe(22 + 16);

    const receipt = await client.weights.send(bob.hotkey, prepared);
    const onChain = await client.weights.timelockedCommits(netuid);
    expect(onChain).toEqual([
      {
        hotkey: bob.hotkey.address,
        epoch: expect.any(Number),
        commitBlock: -1,
        commit: prepared.commit,
        revealRound: 1000n,
      },
    ]);
    expect(await client.weights.landing(prepared)).toEqual({
      state: 'landed',
      block: receipt.blockNumber,
    });
    expect(await storedWeights(bobUid)).toEqual([]);
    // The chain reveals it itself in the block the schedule predicted: no reveal is sent.
    const nonce = await nonceOf(bob.hotkey.address);
    while (devnet.head() < prepared.revealBlock - 1) await devnet.newBlocks(1);
    expect(await storedWeights(bobUid)).toEqual([]);
    await devnet.newBlocks(1);
    expect(devnet.head()).toBe(prepared.revealBlock);
    expect(await storedWeights(bobUid)).toEqual([
      [0, 26214],
      [1, 39321],
      [2, 65535],
    ]);
    expect(await client.weights.timelockedCommits(netuid)).toEqual([]);
    expect(await nonceOf(bob.hotkey.address)).toBe(nonce);
  });

  it('is refused before sending when its round is one the chain has passed, or it is too large', async () => {
    const nonce = await nonceOf(bob.hotkey.address);
    await storeDrandPulses(devnet.endpoint, [], 10n ** 9n);
    const policy = await client.weights.policy(netuid);
    const late = await client.weights
      .prepare({ netuid, hotkey: bob.hotkey, uids: [0, 1], weights: [1, 1], policy })
      .catch((e: unknown) => e);
    expect(late).toBeInstanceOf(ChainError);
    expect((late as ChainError).code).toBe(ChainErrorCode.InvalidArgument);
    expect((late as ChainError).message).toMatch(
      /^weights: the reveal round \d+ is not after the chain's newest drand round 1000000000; the chain would reveal it at once\. Is this machine's clock behind\?/,
    );
    await storeDrandPulses(devnet.endpoint, [], 999n);
    const many = Array.from({ length: 1300 }, (_, i) => i);
    const big = await client.weights
      .prepare({
        netuid,
        hotkey: bob.hotkey,
        uids: many,
        weights: many.map(() => 1),
        process: false,
        policy: await client.weights.policy(netuid),
      })
      .catch((e: unknown) => e);
    expect((big as ChainError).code).toBe(ChainErrorCode.InvalidArgument);
    expect((big as ChainError).message).toBe(
      'weights: the timelocked commit is 5456 bytes (1300 uids); the chain takes at most 5000',
    );
    expect(await nonceOf(bob.hotkey.address)).toBe(nonce);
  });
});

describe('a weights extrinsic whose answer was cut off', () => {
  let proxy: TcpProxy;
  let viaProxy: ChainClient;

  beforeAll(async () => {
    await devnet.sudoSet({ commitRevealWeightsEnabled: false });
    proxy = await startTcpProxy({ targetHost: devnet.host, targetPort: devnet.port });
    viaProxy = await ChainClient.connect({
      network: proxy.endpoint,
      connectTimeoutMs: 5_000,
      reconnect: { minDelayMs: 50, maxDelayMs: 200 },
    });
  });

  afterAll(async () => {
    devnet.setBlockMode('instant');
    await viaProxy?.close();
    await proxy?.close();
  });

  async function sendAndCut(prepared: PreparedWeights): Promise<unknown> {
    const sent = viaProxy.weights.send(bob.hotkey, prepared);
    for (let i = 0; i < 500; i++) {
      if ((await devnet.api.rpc.author.pendingExtrinsics()).length > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await proxy.cut();
    return codeOf(sent);
  }

  it('is read from the chain after reconnecting: pending in the pool, then landed', async () => {
    devnet.setBlockMode('manual');
    const prepared = await viaProxy.weights.prepare({
      netuid,
      hotkey: bob.hotkey,
      uids: [1, 2],
      weights: [0.5, 0.5],
    });
    expect(prepared.path).toBe('set');
    // Unknown is never reported as refused.
    expect(await sendAndCut(prepared)).toBe(ChainErrorCode.Connection);
    await proxy.restore();
    expect(await viaProxy.weights.landing(prepared)).toEqual({ state: 'pending' });
    const block = await devnet.newBlocks(1);
    expect(await viaProxy.weights.landing(prepared)).toEqual({ state: 'landed', block });
    expect(await storedWeights(bobUid)).toEqual([
      [1, 65535],
      [2, 65535],
    ]);
  });

  it('is not landed when the chain never got it', async () => {
    const prepared = await viaProxy.weights.prepare({
      netuid,
      hotkey: bob.hotkey,
      uids: [0, 1],
      weights: [0.5, 0.5],
    });
    await proxy.cut();
    expect(await codeOf(viaProxy.weights.send(bob.hotkey, prepared))).toBe(
      ChainErrorCode.Connection,
    );
    await proxy.restore();
    await devnet.newBlocks(1);
    expect(await viaProxy.weights.landing(prepared)).toEqual({ state: 'not_landed' });
  });
});
