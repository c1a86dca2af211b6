import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from './cryptoPool';
import type { Hotkey } from './keys';
import { devHotkey } from './testing/devKeys';
import { SignatureVerifier } from './verifier';

let alice: Hotkey;
let bob: Hotkey;
let pool: CryptoPool;
const inline = new SignatureVerifier();
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`;

beforeAll(async () => {
  alice = await devHotkey('alice');
  bob = await devHotkey('bob');
  pool = new CryptoPool({ threads: 2, signer: alice });
});
afterAll(() => pool.close());

/** (message, signature, address) and whether it is valid. */
function vectors(): { message: string; signature: string; address: string; valid: boolean }[] {
  const out: { message: string; signature: string; address: string; valid: boolean }[] = [];
  for (let i = 0; i < 40; i++) {
    const message = `${1_735_689_600_000_000_000n + BigInt(i)}.${alice.address}.${bob.address}.uuid-${i}.hash`;
    const signature = hex(alice.sign(message));
    out.push({ message, signature, address: alice.address, valid: true });
    out.push({ message: `${message}!`, signature, address: alice.address, valid: false });
    out.push({ message, signature, address: bob.address, valid: false });
    const flipped = Buffer.from(signature.slice(2), 'hex');
    flipped[i % 32] = (flipped[i % 32] as number) ^ 0x01;
    out.push({ message, signature: hex(flipped), address: alice.address, valid: false });
  }
  const noMarker = Buffer.from(alice.sign('m'));
  noMarker[63] = (noMarker[63] as number) & 0x7f;
  out.push({ message: 'm', signature: hex(noMarker), address: alice.address, valid: false });
  out.push({
    message: 'm',
    signature: `0x${'ff'.repeat(64)}`,
    address: alice.address,
    valid: false,
  });
  out.push({ message: 'm', signature: '0x1234', address: alice.address, valid: false });
  out.push({
    message: 'm',
    signature: hex(alice.sign('m')),
    address: 'not-an-address',
    valid: false,
  });
  return out;
}

describe('CryptoPool', () => {
  it('gives the same answer as the inline verifier for every vector, sent all at once', async () => {
    const vs = vectors();
    const pooled = await Promise.all(vs.map((v) => pool.verify(v.message, v.signature, v.address)));
    expect(pooled).toEqual(vs.map((v) => v.valid));
    expect(vs.map((v) => inline.verify(v.message, v.signature, v.address))).toEqual(
      vs.map((v) => v.valid),
    );
    expect(pooled.filter(Boolean)).toHaveLength(40);
  });

  it('signs on the workers with the signer key: signatures that verify, and differ each time', async () => {
    const messages = Array.from({ length: 64 }, (_, i) => `${i}.answer.${alice.address}`);
    const signatures = await Promise.all(messages.map((m) => pool.sign(m)));
    expect(signatures.every((s, i) => inline.verify(messages[i] as string, s, alice.address))).toBe(
      true,
    );
    expect(signatures.some((s, i) => inline.verify(messages[i] as string, s, bob.address))).toBe(
      false,
    );
    expect(new Set(signatures).size).toBe(64);
    expect(pool.signerAddress).toBe(alice.address);
  });

  it('past maxQueued, and after close, it answers inline with the same results', async () => {
    const tight = new CryptoPool({ threads: 1, maxQueued: 2 });
    const vs = vectors();
    const first = await Promise.all(vs.map((v) => tight.verify(v.message, v.signature, v.address)));
    expect(first).toEqual(vs.map((v) => v.valid));
    await tight.close();
    const after = await Promise.all(vs.map((v) => tight.verify(v.message, v.signature, v.address)));
    expect(after).toEqual(vs.map((v) => v.valid));
  });

  it('jobs in flight when the workers stop are finished inline, none lost or wrong', async () => {
    const p = new CryptoPool({ threads: 2 });
    const vs = vectors();
    const pending = vs.map((v) => p.verify(v.message, v.signature, v.address));
    // Let the batch go out to the workers, then stop them before they can answer all of it.
    await new Promise((r) => setImmediate(r));
    await p.close();
    expect(await Promise.all(pending)).toEqual(vs.map((v) => v.valid));
  });

  it('refuses a thread count out of range and signing without a signer', async () => {
    expect(() => new CryptoPool({ threads: 0 })).toThrow(/1\.\.256, got 0/);
    const p = new CryptoPool({ threads: 1 });
    await expect(p.sign('x')).rejects.toThrow(/without a signer/);
    await p.close();
  });
});
