// Acceptance 1-3 of the chain issue, on one devnet per runtime (the real spec-218 and spec-293
// runtimes in chopsticks), the same checks on each; what differs between them is stated per runtime.
import { readFileSync } from 'node:fs';
import { WsProvider } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainClient } from '../src/client/chainClient.js';
import { call, maybeStorage, storage } from '../src/client/pallet.js';
import { type Devnet, type DevnetRuntime, startDevnet } from '../src/devnet/index.js';
import { ChainDispatchError, ChainError, isDispatchError } from '../src/errors.js';
import { type Neuron, neuronByHotkey } from '../src/metagraph.js';
import { type DevKeys, devKeys, populateSubnet } from '../src/testing/index.js';

const weightCases = JSON.parse(
  readFileSync(new URL('./fixtures/weights-devnet.json', import.meta.url), 'utf8'),
) as {
  cases: Array<{
    name: string;
    weights: number[];
    minAllowedWeights: number;
    maxWeightLimitU16: number;
    emit: { uids: number[]; values: number[] };
  }>;
};

interface RuntimeFacts {
  specVersion: number;
  /** The bootstrapped subnet: netuids 0 (root) and 1 exist at genesis on both. */
  netuid: number;
  /** `StakeAdded` fields: spec 293 adds the swap fee (0 on the stable mechanism). */
  stakeAddedFields: number;
  /**
   * `FirstEmissionBlockNumber` after bootstrap: spec 293 has `start_call`, sent by the bootstrap
   * in block 12 (block 1 at start, register_network in 2, then one block at height 11 skips the
   * `DurationOfStartCall` wait of 10); the subnet emits from the next block. Spec 218 has neither.
   */
  firstEmissionBlock: number | 'no storage';
  /**
   * How `serve_axon` on 127.0.0.1 is refused: spec 218 includes it and fails the dispatch
   * (`InvalidIpAddress`); spec 293's transaction extension refuses it at the pool already
   * (`Custom(11)`, its `CustomTransactionError::InvalidIpAddress`), so nothing lands.
   */
  loopbackAxon: 'dispatch' | 'pool';
  /**
   * Alpha credited to bob's stake (rao) by the epoch in the block of his second stake: spec 293
   * emits to a started subnet (the epoch of tempo 10 runs at block 18 = 12 + 2 registrations +
   * 2 axons + the first stake + 1); spec 218 credits nothing on the stable-mechanism subnet.
   */
  epochCredit: bigint;
  /**
   * The neuron fields whose values differ between neurons of the subnet filled by
   * `populateSubnet` (24 neurons, 4 validators with weights, an epoch). Spec 293 runs the epoch
   * on the weights (permits, rank, trust, consensus, incentive, dividends, emission); spec 218 runs
   * none on the stable-mechanism subnet, so there those stay 0 for every neuron.
   */
  varyingNeuronFields: (keyof Neuron)[];
}

const FACTS: Record<DevnetRuntime, RuntimeFacts> = {
  spec218: {
    specVersion: 218,
    netuid: 2,
    stakeAddedFields: 5,
    firstEmissionBlock: 'no storage',
    loopbackAxon: 'dispatch',
    epochCredit: 0n,
    varyingNeuronFields: ['uid', 'hotkey', 'coldkey', 'stake', 'axon', 'lastUpdate'],
  },
  spec293: {
    specVersion: 293,
    netuid: 2,
    stakeAddedFields: 6,
    firstEmissionBlock: 13,
    loopbackAxon: 'pool',
    epochCredit: 4_920_027_461n,
    varyingNeuronFields: [
      'uid',
      'hotkey',
      'coldkey',
      'stake',
      'validatorPermit',
      'axon',
      'lastUpdate',
      'incentive',
      'dividends',
      'consensus',
      'trust',
      'validatorTrust',
      'rank',
      'emission',
    ],
  },
};

async function codeOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => 'resolved',
    (e: unknown) => e,
  );
}

describe.each(['spec218', 'spec293'] as const)('a devnet on %s', (runtime) => {
  const facts = FACTS[runtime];
  let devnet: Devnet;
  let client: ChainClient;
  let bob: DevKeys;
  let charlie: DevKeys;
  let netuid: number;

  async function storedWeights(uid: number): Promise<{ uids: number[]; values: number[] }> {
    const rows = (await storage(devnet.api, 'weights')(netuid, uid)).toJSON() as [number, number][];
    return { uids: rows.map((r) => r[0]), values: rows.map((r) => r[1]) };
  }

  async function setWeights(hotkey: KeyringPair, uids: number[], weights: number[]) {
    const prepared = await client.weights.prepare({ netuid, hotkey, uids, weights, path: 'set' });
    await client.weights.send(hotkey, prepared);
    return prepared;
  }

  beforeAll(async () => {
    devnet = await startDevnet({ runtime });
    netuid = devnet.netuid;
    client = await ChainClient.connect({ network: devnet.endpoint });
    const keys = await devKeys();
    bob = keys.bob;
    charlie = keys.charlie;
  });

  afterAll(async () => {
    await client?.close();
    await devnet?.close();
  });

  describe('fresh', () => {
    it('is bootstrapped: subnet with the owner at uid 0, relaxed hyperparameters, started', async () => {
      expect(devnet.specVersion).toBe(facts.specVersion);
      expect(netuid).toBe(facts.netuid);
      expect(await client.subnetExists(netuid)).toBe(true);
      const hp = await client.hyperparameters(netuid);
      expect(hp).toMatchObject({
        tempo: 10,
        weightsSetRateLimit: 0,
        commitRevealWeightsEnabled: false,
      });
      expect(await client.uidForHotkey(netuid, devnet.wallets[0]?.hotkey ?? '')).toBe(0);
      const firstEmission = maybeStorage(devnet.api, 'firstEmissionBlockNumber');
      expect(firstEmission ? (await firstEmission(netuid)).toJSON() : 'no storage').toBe(
        facts.firstEmissionBlock,
      );
    });

    it('registers two hotkeys, serves an axon on 127.0.0.2, stakes, and reads them back exactly', async () => {
      const [bobUid, charlieUid] = await Promise.all([
        client.burnedRegister({ netuid, coldkey: bob.coldkey, hotkey: bob.hotkey.address }),
        client.burnedRegister({ netuid, coldkey: charlie.coldkey, hotkey: charlie.hotkey.address }),
      ]);
      expect(new Set([bobUid, charlieUid])).toEqual(new Set([1, 2]));

      const refused = await codeOf(
        client.serveAxon({ netuid, hotkey: charlie.hotkey, ip: '127.0.0.1', port: 8091 }),
      );
      if (facts.loopbackAxon === 'dispatch') {
        expect(isDispatchError(refused, 'InvalidIpAddress', 'SubtensorModule')).toBe(true);
      } else {
        expect((refused as ChainError).code).toBe('CHAIN_TX_REJECTED');
        expect((refused as ChainError).message).toBe(
          'subtensorModule.serveAxon: 1010: {"invalid":{"custom":11}}',
        );
      }
      await client.serveAxon({ netuid, hotkey: charlie.hotkey, ip: '127.0.0.2', port: 8091 });
      await client.serveAxon({
        netuid,
        hotkey: bob.hotkey,
        ip: '2001:db8::7',
        port: 8092,
        protocol: 4,
      });

      // Two stakes back-to-back from one coldkey: the local nonce tracker keeps them apart.
      const amount = 1_000n * 1_000_000_000n;
      const receipts = await Promise.all([
        client.addStake({
          netuid,
          coldkey: bob.coldkey,
          hotkey: bob.hotkey.address,
          amount: amount / 4n,
        }),
        client.addStake({
          netuid,
          coldkey: bob.coldkey,
          hotkey: bob.hotkey.address,
          amount: (amount * 3n) / 4n,
        }),
      ]);
      // StakeAdded(coldkey, hotkey, tao, alpha, netuid[, fee]). The devnet subnet uses the stable
      // mechanism, so 1 TAO buys exactly 1 alpha, with no fee.
      let tao = 0n;
      let alpha = 0n;
      for (const receipt of receipts) {
        const added = receipt.events.find(
          (r) => r.event.section === 'subtensorModule' && r.event.method === 'StakeAdded',
        );
        const data = added?.event.data.toJSON() as unknown[];
        expect(data).toHaveLength(facts.stakeAddedFields);
        if (facts.stakeAddedFields === 6) expect(data[5]).toBe(0);
        tao += BigInt(String(data[2]));
        alpha += BigInt(String(data[3]));
      }
      expect(tao).toBe(amount);
      expect(alpha).toBe(amount);

      // Storage reads are the default path (the faster one, bench/metagraph.bench.ts).
      const mg = await client.metagraph(netuid);
      expect(mg.source).toBe('storage');
      expect(mg.n).toBe(3);
      expect(mg.neurons.map((n) => n.uid)).toEqual([0, 1, 2]);
      const b = neuronByHotkey(mg, bob.hotkey.address);
      const c = neuronByHotkey(mg, charlie.hotkey.address);
      expect(b).toMatchObject({
        uid: bobUid,
        coldkey: bob.coldkey.address,
        stake: alpha + facts.epochCredit,
      });
      expect(b?.axon).toEqual({
        ip: '2001:db8::7',
        port: 8092,
        ipType: 6,
        protocol: 4,
        version: 10005000,
        block: b?.axon.block,
      });
      expect(c).toMatchObject({ uid: charlieUid, coldkey: charlie.coldkey.address, stake: 0n });
      expect(c?.axon).toMatchObject({
        ip: '127.0.0.2',
        port: 8091,
        ipType: 4,
        protocol: 4,
        version: 10005000,
      });
      expect(c?.axon.block).toBeGreaterThan(0);

      // The runtime API reads the same snapshot.
      const fromRuntime = await client.metagraph(netuid, {
        source: 'runtime',
        blockHash: mg.blockHash,
      });
      expect({ ...fromRuntime, source: 'storage' }).toEqual(mg);
    });
  });

  describe('weights', () => {
    it('waits for the validator permit of the staked hotkey (next epoch)', async () => {
      for (let i = 0; i < 4; i++) {
        const mg = await client.metagraph(netuid);
        if (neuronByHotkey(mg, bob.hotkey.address)?.validatorPermit) break;
        await devnet.newBlocks(6);
      }
      const mg = await client.metagraph(netuid);
      expect(neuronByHotkey(mg, bob.hotkey.address)?.validatorPermit).toBe(true);
    });

    for (const c of weightCases.cases) {
      it(`stores the SDK's u16 vector: ${c.name}`, async () => {
        await devnet.sudoSet({
          minAllowedWeights: c.minAllowedWeights,
          maxWeightLimit: c.maxWeightLimitU16,
        });
        const sent = await setWeights(bob.hotkey, [0, 1, 2], c.weights);
        expect({ uids: sent.uids, values: sent.values }).toEqual(c.emit);
        const uid = (await client.uidForHotkey(netuid, bob.hotkey.address)) as number;
        expect(await storedWeights(uid)).toEqual(c.emit);
      });
    }

    it('stores a raw u16 vector max-upscaled, the same on both runtimes', async () => {
      await devnet.sudoSet({ minAllowedWeights: 1, maxWeightLimit: 65535 });
      const tx = call(devnet.api, 'setWeights')(netuid, [0, 2], [100, 200], 0);
      await client.submit(bob.hotkey, tx);
      const uid = (await client.uidForHotkey(netuid, bob.hotkey.address)) as number;
      // 100 / 200 * 65535 = 32767.5, rounded half up.
      expect(await storedWeights(uid)).toEqual({ uids: [0, 2], values: [32768, 65535] });
    });

    it('refuses a second set_weights inside the rate limit before sending anything', async () => {
      await devnet.sudoSet({
        weightsSetRateLimit: 100,
        minAllowedWeights: 1,
        maxWeightLimit: 65535,
      });
      await setWeights(bob.hotkey, [1], [1]).catch(() => undefined);
      const head = devnet.head();
      const nonce = (await devnet.api.rpc.system.accountNextIndex(bob.hotkey.address)).toNumber();
      const err = await codeOf(setWeights(bob.hotkey, [0, 1], [0.5, 0.5]));
      expect(err).toBeInstanceOf(ChainError);
      expect((err as ChainError).code).toBe('CHAIN_WEIGHTS_RATE_LIMITED');
      expect((err as ChainError).message).toMatch(/every 100 blocks/);
      expect(devnet.head()).toBe(head);
      expect((await devnet.api.rpc.system.accountNextIndex(bob.hotkey.address)).toNumber()).toBe(
        nonce,
      );
    });
  });

  describe('commit-reveal', () => {
    it('commits, is refused a wrong salt with a typed error, and reveals', async () => {
      await devnet.sudoSet({ commitRevealWeightsEnabled: true, weightsSetRateLimit: 0 });
      const plain = await codeOf(setWeights(bob.hotkey, [0, 2], [0.25, 0.75]));
      expect((plain as ChainError).code).toBe('CHAIN_COMMIT_REVEAL_MISMATCH');

      // Commit early in an epoch, so that a reveal right after it is too early.
      const { tempo } = await client.hyperparameters(netuid);
      const blocksToEpoch = (block: number) => tempo - ((block + netuid + 1) % (tempo + 1));
      while (blocksToEpoch(devnet.head() + 1) < 3) await devnet.newBlocks(1);
      const commit = await client.weights.prepare({
        netuid,
        hotkey: bob.hotkey,
        uids: [0, 2],
        weights: [0.25, 0.75],
      });
      if (commit.path !== 'commit_hash')
        throw new Error(`expected a hash commit, got ${commit.path}`);
      await client.weights.send(bob.hotkey, commit);
      expect(commit.values).toEqual([21845, 65535]);
      const [stored] = await client.weights.hashCommits(netuid, bob.hotkey.address);
      expect(stored?.hash).toBe(commit.hash);

      const early = await codeOf(client.weights.reveal(bob.hotkey, commit));
      expect(isDispatchError(early, 'RevealTooEarly')).toBe(true);

      // Into the reveal window (the next epoch).
      const first = stored?.firstRevealBlock ?? 0;
      while (devnet.head() + 1 < first) await devnet.newBlocks(1);

      const wrong = await codeOf(
        client.weights.reveal(bob.hotkey, {
          ...commit,
          salt: commit.salt.map((s) => (s + 1) % 65536),
        }),
      );
      expect(wrong).toBeInstanceOf(ChainDispatchError);
      expect((wrong as ChainDispatchError).error).toBe('InvalidRevealCommitHashNotMatch');

      await client.weights.reveal(bob.hotkey, commit);
      const uid = (await client.uidForHotkey(netuid, bob.hotkey.address)) as number;
      expect(await storedWeights(uid)).toEqual({ uids: [0, 2], values: [21845, 65535] });
    });
  });
  describe('metagraph paths', () => {
    it('read the same metagraph from storage and the runtime API, field by field, on a filled subnet', async () => {
      await populateSubnet(devnet, { neurons: 24, validators: 4, servedByExtrinsic: 4 });
      const fromRuntime = await client.metagraph(netuid, { source: 'runtime' });
      const fromStorage = await client.metagraph(netuid, {
        source: 'storage',
        blockHash: fromRuntime.blockHash,
      });
      expect([fromRuntime.source, fromStorage.source]).toEqual(['runtime', 'storage']);
      expect([fromRuntime.n, fromStorage.n]).toEqual([24, 24]);
      expect(fromStorage.block).toBe(fromRuntime.block);

      // Values that differ between neurons, so that a field read from the wrong item, or for the
      // wrong uid, cannot agree by chance.
      const keys = Object.keys(fromRuntime.neurons[0] ?? {}) as (keyof Neuron)[];
      const text = (v: unknown) =>
        JSON.stringify({ v }, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
      const varying = keys.filter(
        (k) => new Set(fromRuntime.neurons.map((n) => text(n[k]))).size > 1,
      );
      expect(varying).toEqual(facts.varyingNeuronFields);

      for (const [uid, want] of fromRuntime.neurons.entries()) {
        const got = fromStorage.neurons[uid];
        expect(want.uid).toBe(uid);
        expect(Object.keys(got ?? {}).sort()).toEqual(Object.keys(want).sort());
        for (const key of Object.keys(want) as (keyof Neuron)[]) {
          expect(got?.[key], `uid ${uid}: ${key}`).toEqual(want[key]);
        }
      }
    }, 300_000);
    it('falls back to the runtime API by default when a storage value does not decode', async () => {
      const uid = 5;
      const hotkey = (await client.metagraph(netuid)).neurons[uid]?.hotkey ?? '';
      const axons = storage(devnet.api, 'axons') as unknown as {
        key(netuid: number, hotkey: string): string;
      };
      const key = axons.key(netuid, hotkey);
      const stored = (await devnet.api.rpc.state.getStorage(key)) as unknown as {
        toHex(): string;
      };
      const rpc = new WsProvider(devnet.endpoint, 0);
      await rpc.connect();
      await rpc.isReady;
      try {
        // One byte where serve_axon stores 36: @polkadot/api cannot decode it; the runtime reads
        // its default instead.
        await rpc.send('dev_setStorage', [[[key, '0x01']]]);
        await devnet.newBlocks(1);
        const err = await codeOf(client.metagraph(netuid, { source: 'storage' }));
        expect(err).toBeInstanceOf(Error);
        const mg = await client.metagraph(netuid);
        expect(mg.source).toBe('runtime');
        expect(mg.n).toBe(24);
        expect(mg.neurons[uid]?.hotkey).toBe(hotkey);
        expect(mg.neurons[uid]?.axon).toEqual({
          ip: '0.0.0.0',
          port: 0,
          ipType: 0,
          protocol: 0,
          version: 0,
          block: 0,
        });
      } finally {
        await rpc.send('dev_setStorage', [[[key, stored.toHex()]]]);
        await rpc.disconnect();
      }
    });
  });
});
