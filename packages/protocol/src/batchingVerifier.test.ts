import { beforeAll, describe, expect, it } from 'vitest';
import { BatchingVerifier } from './batchingVerifier';
import { type Hotkey, signatureToHex } from './keys';
import { loadNativeSr25519 } from './nativeSr25519';
import { devHotkey } from './testing/devKeys';
import { SignatureVerifier } from './verifier';

let alice: Hotkey;
let bob: Hotkey;
beforeAll(async () => {
  alice = await devHotkey('alice');
  bob = await devHotkey('bob');
});

/** n checks, every `badEvery`-th one (if any) signed by the wrong key. */
function checks(n: number, badEvery = 0) {
  return Array.from({ length: n }, (_, i) => {
    const message = `${i}.${alice.address}.axon.uuid.hash`;
    const bad = badEvery > 0 && i % badEvery === badEvery - 1;
    return {
      message,
      signature: signatureToHex((bad ? bob : alice).sign(message)),
      address: alice.address,
      valid: !bad,
    };
  });
}

const native = loadNativeSr25519().addon !== null;

describe('BatchingVerifier', () => {
  it('answers each check as the verifier does, valid and invalid mixed in one turn', async () => {
    for (const backend of native ? (['native', 'wasm'] as const) : (['wasm'] as const)) {
      const batching = new BatchingVerifier(new SignatureVerifier({ backend }), { maxBatch: 8 });
      const cs = checks(40, 7);
      const got = await Promise.all(
        cs.map((c) => batching.verify(c.message, c.signature, c.address)),
      );
      expect(got).toEqual(cs.map((c) => c.valid));
      expect(got.filter((ok) => !ok)).toHaveLength(5);
      // a malformed one never reaches a batch
      expect(await batching.verify('m', '0x12', alice.address)).toBe(false);
    }
  });

  it.skipIf(!native)(
    'verifies a turn of good signatures as batches of at most maxBatch (native)',
    async () => {
      const batching = new BatchingVerifier(new SignatureVerifier({ backend: 'native' }), {
        maxBatch: 8,
      });
      const cs = checks(20);
      const got = await Promise.all(
        cs.map((c) => batching.verify(c.message, c.signature, c.address)),
      );
      expect(got.every(Boolean)).toBe(true);
      // 20 checks in one turn: batches of 8, 8 and 4
      expect(batching.stats).toEqual({ batches: 3, failedBatches: 0, singles: 0 });
    },
  );

  it.skipIf(!native)(
    'after a failed batch, checks one by one for backoffTurns turns, then batches again',
    async () => {
      const batching = new BatchingVerifier(new SignatureVerifier({ backend: 'native' }), {
        maxBatch: 32,
        backoffTurns: 2,
      });
      const turn = (cs: ReturnType<typeof checks>) =>
        Promise.all(cs.map((c) => batching.verify(c.message, c.signature, c.address)));
      // Turn 1: one bad signature in 4 → the batch fails, the 4 are checked singly.
      expect(await turn(checks(4, 4))).toEqual([true, true, true, false]);
      expect(batching.stats).toEqual({ batches: 0, failedBatches: 1, singles: 4 });
      // Turns 2 and 3: good signatures, still one by one.
      await turn(checks(4));
      await turn(checks(4));
      expect(batching.stats).toEqual({ batches: 0, failedBatches: 1, singles: 12 });
      // Turn 4: batching again.
      expect((await turn(checks(4))).every(Boolean)).toBe(true);
      expect(batching.stats).toEqual({ batches: 1, failedBatches: 1, singles: 12 });
    },
  );
});
