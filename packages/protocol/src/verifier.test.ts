import { afterEach, describe, expect, it, vi } from 'vitest';
import { signatureToHex } from './keys';
import { devHotkey } from './testing/devKeys';
import { canonicalScalar, SignatureVerifier } from './verifier';

/** A signature of nonce R (the first 32 bytes of `r`) and scalar `s` (little-endian), with schnorrkel's marker bit set. */
function withScalar(r: Uint8Array, s: bigint): Uint8Array {
  const sig = new Uint8Array(64);
  sig.set(r.subarray(0, 32));
  for (let i = 0; i < 32; i++) sig[32 + i] = Number((s >> BigInt(8 * i)) & 0xffn);
  sig[63] = (sig[63] as number) | 0x80;
  return sig;
}
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('sr25519 verification against hostile signatures', () => {
  it('tells canonical scalars from those schnorrkel refuses, at the group order', () => {
    const r = new Uint8Array(32);
    expect(canonicalScalar(withScalar(r, 0n))).toBe(true);
    expect(canonicalScalar(withScalar(r, 2n ** 252n - 1n))).toBe(true);
    expect(canonicalScalar(withScalar(r, L - 1n))).toBe(true);
    expect(canonicalScalar(withScalar(r, L))).toBe(false);
    expect(canonicalScalar(withScalar(r, L + 1n))).toBe(false);
    expect(canonicalScalar(withScalar(r, 2n ** 253n))).toBe(false);
    expect(canonicalScalar(withScalar(r, 2n ** 255n - 1n))).toBe(false);
  });

  it('refuses a non-canonical scalar without the wasm panicking onto stderr; good ones still verify', async () => {
    const alice = await devHotkey('alice');
    const verifier = new SignatureVerifier();
    const message = 'nonce.dendrite.axon.uuid.hash';
    const good = alice.sign(message);
    const writes = vi.spyOn(process.stderr, 'write');
    const errors = vi.spyOn(console, 'error');
    expect(verifier.verify(message, signatureToHex(good), alice.address)).toBe(true);
    // The axon's test of a bad signature sends 0xabab…: marker set, scalar ≥ 2^253.
    expect(verifier.verify(message, `0x${'ab'.repeat(64)}`, alice.address)).toBe(false);
    const s =
      BigInt(`0x${Buffer.from(good.subarray(32)).reverse().toString('hex')}`) & ~(1n << 255n);
    expect(verifier.verify(message, signatureToHex(withScalar(good, s + L)), alice.address)).toBe(
      false,
    );
    // A canonical scalar that is simply wrong reaches schnorrkel, which says no quietly.
    expect(
      verifier.verify(message, signatureToHex(withScalar(good, (s + 1n) % L)), alice.address),
    ).toBe(false);
    expect(writes).not.toHaveBeenCalled();
    expect(errors).not.toHaveBeenCalled();
  });
});
