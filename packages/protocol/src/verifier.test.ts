import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAddress } from '@polkadot/util-crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Hotkey, SS58_FORMAT, signatureToHex } from './keys';
import { loadNativeSr25519, NATIVE_ADDON_PATH } from './nativeSr25519';
import { DEV_KEY_NAMES, devHotkey } from './testing/devKeys';
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
    // The wasm build: the one that panicked (the addon is checked on the same scalars below).
    const verifier = new SignatureVerifier({ backend: 'wasm' });
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

describe('sr25519 verification against hostile keys', () => {
  it('refuses a hotkey that is not a Ristretto point without the wasm panicking onto stderr', async () => {
    const alice = await devHotkey('alice');
    const verifier = new SignatureVerifier({ backend: 'wasm' });
    const message = 'nonce.dendrite.axon.uuid.hash';
    const signature = signatureToHex(alice.sign(message));
    const notAPoint = new Uint8Array(32);
    notAPoint[0] = 2; // even and canonical, but no point encodes to it
    const writes = vi.spyOn(process.stderr, 'write');
    const errors = vi.spyOn(console, 'error');
    expect(verifier.publicKey(encodeAddress(notAPoint, SS58_FORMAT))).toBeNull();
    expect(verifier.verify(message, signature, encodeAddress(notAPoint, SS58_FORMAT))).toBe(false);
    expect(verifier.verify(message, signature, alice.address)).toBe(true);
    expect(writes).not.toHaveBeenCalled();
    expect(errors).not.toHaveBeenCalled();
  });
});

describe('sr25519 verification against the identity key', () => {
  // The Ristretto basepoint B: with the all-zero (identity) key, (R = B, s = 1) satisfies
  // R = s·B − k·A for any message, so anyone can "sign" as that key.
  const BASEPOINT = Buffer.from(
    'e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76',
    'hex',
  );
  const forged = signatureToHex(withScalar(BASEPOINT, 1n));
  const zeroAddress = encodeAddress(new Uint8Array(32), SS58_FORMAT);

  it('schnorrkel itself accepts a forged signature for it, on any message', async () => {
    const { sr25519_verify } = await import('@polkadot-labs/schnorrkel-wasm');
    const sig = Buffer.from(forged.slice(2), 'hex');
    for (const m of ['a', 'any message at all']) {
      expect(sr25519_verify(new Uint8Array(32), new TextEncoder().encode(m), sig)).toBe(true);
    }
  });

  it('our verifier refuses it on every backend, inline and prepared', () => {
    for (const backend of native ? (['wasm', 'native'] as const) : (['wasm'] as const)) {
      const verifier = new SignatureVerifier({ backend });
      expect(verifier.publicKey(zeroAddress)).toBeNull();
      expect(verifier.verify('any message at all', forged, zeroAddress)).toBe(false);
      expect(verifier.prepare('any message at all', forged, zeroAddress)).toBeNull();
    }
  });
});

/** The addon when this checkout has built it (`pnpm --filter @subnet/protocol build:native`). */
const native = loadNativeSr25519().addon;

describe('choosing the schnorrkel build', () => {
  it("falls back to wasm under 'auto' when there is no addon, and says so", () => {
    const verifier = new SignatureVerifier({ addonPath: '/nonexistent/sr25519.node' });
    expect(verifier.backend).toBe('wasm');
    expect(verifier.addonPath).toBeUndefined();
    expect(new SignatureVerifier({ backend: 'wasm' }).backend).toBe('wasm');
  });

  it("refuses backend 'native' without the addon, naming the command that builds it", () => {
    expect(
      () => new SignatureVerifier({ backend: 'native', addonPath: '/nonexistent/sr25519.node' }),
    ).toThrow(
      "SignatureVerifier backend 'native': the sr25519 addon is not available (no file at /nonexistent/sr25519.node). Build it with `pnpm --filter @subnet/protocol build:native` (needs cargo), or use backend 'auto' or 'wasm'.",
    );
  });

  it('takes a file that is not the addon for no addon', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sr25519-'));
    try {
      const junk = join(dir, 'sr25519.node');
      await writeFile(junk, 'not a shared library');
      expect(new SignatureVerifier({ addonPath: junk }).backend).toBe('wasm');
      expect(() => new SignatureVerifier({ backend: 'native', addonPath: junk })).toThrow(
        /build:native/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!native)('uses the addon under auto when it is built', () => {
    const verifier = new SignatureVerifier();
    expect(verifier.backend).toBe('native');
    expect(verifier.addonPath).toBe(NATIVE_ADDON_PATH);
    expect(new SignatureVerifier({ backend: 'native' }).backend).toBe('native');
  });
});

/** One check: the bytes schnorrkel sees and whether the signature is valid. */
interface Vector {
  name: string;
  key: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
  valid: boolean;
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
  return out;
}

function signed(hotkey: Hotkey, message: Uint8Array): Vector {
  return {
    name: 'valid',
    key: hotkey.publicKey,
    message,
    signature: hotkey.sign(message),
    valid: true,
  };
}

/** Every kind of signature an axon meets, good and hostile, with the answer schnorrkel gives. */
async function fixedVectors(): Promise<Vector[]> {
  const alice = await devHotkey('alice');
  const bob = await devHotkey('bob');
  const message = new TextEncoder().encode('nonce.dendrite.axon.uuid.bodyhash');
  const good = signed(alice, message);
  const s =
    BigInt(`0x${Buffer.from(good.signature.subarray(32)).reverse().toString('hex')}`) &
    ~(1n << 255n);
  const invalidPoint = new Uint8Array(32);
  invalidPoint[0] = 1; // a Ristretto encoding must be even ("non-negative"): not a point
  const vectors: Vector[] = [];
  for (const name of DEV_KEY_NAMES) {
    vectors.push({ ...signed(await devHotkey(name), message), name: `valid (${name})` });
  }
  vectors.push(
    { ...signed(alice, new Uint8Array(0)), name: 'valid, empty message' },
    { ...good, name: 'message bit flipped', message: flipBit(message, 3), valid: false },
    {
      ...good,
      name: 'last message bit',
      message: flipBit(message, 8 * message.length - 1),
      valid: false,
    },
    { ...good, name: 'R bit flipped', signature: flipBit(good.signature, 5), valid: false },
    {
      ...good,
      name: 's bit flipped',
      signature: flipBit(good.signature, 8 * 32 + 9),
      valid: false,
    },
    { ...good, name: 'wrong key', key: bob.publicKey, valid: false },
    { ...good, name: 'marker bit missing', signature: flipBit(good.signature, 511), valid: false },
    { ...good, name: 'scalar + ℓ', signature: withScalar(good.signature, s + L), valid: false },
    {
      ...good,
      name: 'scalar 2^255 - 1',
      signature: withScalar(good.signature, 2n ** 255n - 1n),
      valid: false,
    },
    {
      ...good,
      name: 'scalar + 1',
      signature: withScalar(good.signature, (s + 1n) % L),
      valid: false,
    },
    { ...good, name: 'all-zero key', key: new Uint8Array(32), valid: false },
    { ...good, name: 'key not a Ristretto point', key: invalidPoint, valid: false },
    { ...good, name: 'all-0xff key', key: new Uint8Array(32).fill(0xff), valid: false },
    { ...good, name: 'all-zero signature', signature: new Uint8Array(64), valid: false },
    { ...good, name: 'R not a point', signature: withScalar(invalidPoint, s), valid: false },
  );
  return vectors;
}

const wasmVerifier = new SignatureVerifier({ backend: 'wasm' });

/** What a verifier answers for a vector, through the address and hex an axon receives. */
function answer(verifier: SignatureVerifier, v: Vector): boolean {
  return verifier.verify(v.message, signatureToHex(v.signature), encodeAddress(v.key, SS58_FORMAT));
}

describe('the wasm build on the vectors', () => {
  it('gives the expected answer for each', async () => {
    for (const v of await fixedVectors())
      expect([v.name, answer(wasmVerifier, v)]).toEqual([v.name, v.valid]);
  });
});

describe.skipIf(!native)('the native addon agrees with the wasm build', () => {
  const nativeVerifier = native ? new SignatureVerifier({ backend: 'native' }) : wasmVerifier;

  it('on valid, tampered and malformed signatures', async () => {
    for (const v of await fixedVectors()) {
      expect([v.name, answer(nativeVerifier, v)]).toEqual([v.name, v.valid]);
      expect([v.name, answer(wasmVerifier, v)]).toEqual([v.name, v.valid]);
      // The addon on its own, without the JavaScript guards in front of it, says the same.
      expect([v.name, native?.verify(v.key, v.message, v.signature)]).toEqual([v.name, v.valid]);
    }
  });

  it('answers false, without throwing, to bytes of the wrong length', () => {
    const ok = {
      key: new Uint8Array(32),
      message: new Uint8Array(3),
      signature: new Uint8Array(64),
    };
    const verify = (key: Uint8Array, signature: Uint8Array) =>
      native?.verify(key, ok.message, signature);
    expect(verify(new Uint8Array(0), ok.signature)).toBe(false);
    expect(verify(new Uint8Array(31), ok.signature)).toBe(false);
    expect(verify(new Uint8Array(33), ok.signature)).toBe(false);
    expect(verify(ok.key, new Uint8Array(0))).toBe(false);
    expect(verify(ok.key, new Uint8Array(63))).toBe(false);
    expect(verify(ok.key, new Uint8Array(65).fill(0x80))).toBe(false);
    const batch = (keys: number, ends: number[], sigs: number) =>
      native?.verifyBatch(
        new Uint8Array(keys),
        new Uint8Array(6),
        Uint32Array.from(ends),
        new Uint8Array(sigs),
      );
    expect(batch(0, [], 0)).toBe(false);
    expect(batch(64, [3, 6], 64)).toBe(false); // one signature short
    expect(batch(32, [3, 6], 128)).toBe(false); // one key short
    expect(batch(64, [3, 7], 128)).toBe(false); // a message past the end
    expect(batch(64, [4, 3], 128)).toBe(false); // ends going backwards
    expect(batch(64, [3, 5], 128)).toBe(false); // a byte left over
  });

  it('on 200 random signatures, tampered or not', async () => {
    const keys = await Promise.all(DEV_KEY_NAMES.map((name) => devHotkey(name)));
    const vector = fc
      .record({
        signer: fc.nat({ max: keys.length - 1 }),
        message: fc.uint8Array({ maxLength: 300 }),
        tamper: fc.constantFrom(
          'none',
          'message',
          'signature',
          'key',
          'random key',
          'random signature',
        ),
        bit: fc.nat(),
        randomKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
        randomSignature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
      })
      .map(({ signer, message, tamper, bit, randomKey, randomSignature }): Vector => {
        const v = signed(keys[signer] as Hotkey, message);
        const other = keys[(signer + 1) % keys.length] as Hotkey;
        switch (tamper) {
          case 'none':
            return v;
          case 'message':
            return message.length === 0
              ? { ...v, message: Uint8Array.of(0), valid: false }
              : { ...v, message: flipBit(message, bit % (8 * message.length)), valid: false };
          case 'signature':
            return { ...v, signature: flipBit(v.signature, bit % 512), valid: false };
          case 'key':
            return { ...v, key: other.publicKey, valid: false };
          case 'random key':
            return { ...v, key: randomKey, valid: false };
          default:
            return { ...v, signature: randomSignature, valid: false };
        }
      });
    fc.assert(
      fc.property(vector, (v) => {
        expect(answer(nativeVerifier, v)).toBe(v.valid);
        expect(answer(wasmVerifier, v)).toBe(v.valid);
        expect(native?.verify(v.key, v.message, v.signature)).toBe(v.valid);
      }),
      { numRuns: 200 },
    );
  });

  it('checks a batch as the conjunction of its signatures', async () => {
    const keys = await Promise.all(DEV_KEY_NAMES.map((name) => devHotkey(name)));
    const item = fc
      .record({ signer: fc.nat({ max: keys.length - 1 }), message: fc.string({ maxLength: 120 }) })
      .map(({ signer, message }) => {
        const hotkey = keys[signer] as Hotkey;
        return {
          message,
          signatureHex: signatureToHex(hotkey.sign(message)),
          address: hotkey.address,
        };
      });
    fc.assert(
      fc.property(
        fc.array(item, { minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.boolean(),
        (items, at, spoil) => {
          const batch = [...items];
          if (spoil) {
            const i = at % batch.length;
            const target = batch[i] as (typeof batch)[number];
            batch[i] = { ...target, message: `${target.message}!` };
          }
          expect(nativeVerifier.verifyBatch(batch)).toBe(!spoil);
          expect(wasmVerifier.verifyBatch(batch)).toBe(!spoil);
        },
      ),
      { numRuns: 40 },
    );
    expect(nativeVerifier.verifyBatch([])).toBe(true);
    const alice = keys[0] as Hotkey;
    const noMarker = signatureToHex(flipBit(alice.sign('m'), 511));
    expect(
      nativeVerifier.verifyBatch([
        { message: 'm', signatureHex: noMarker, address: alice.address },
      ]),
    ).toBe(false);
  });

  it('signs as the wasm build does: signatures each build verifies, for the signer only', async () => {
    const alice = await devHotkey('alice');
    const bob = await devHotkey('bob');
    const secret = alice.secretKey?.() as Uint8Array;
    const messages = ['', 'm', '1735689600000000000.a.b.uuid', 'x'.repeat(5000)];
    for (const m of messages) {
      const bytes = new TextEncoder().encode(m);
      const made = native?.sign?.(alice.publicKey, secret, bytes) as Uint8Array;
      expect(made).toHaveLength(64);
      expect(wasmVerifier.verify(m, signatureToHex(made), alice.address)).toBe(true);
      expect(nativeVerifier.verify(m, signatureToHex(made), alice.address)).toBe(true);
      expect(wasmVerifier.verify(m, signatureToHex(made), bob.address)).toBe(false);
      expect(wasmVerifier.verify(`${m}!`, signatureToHex(made), alice.address)).toBe(false);
    }
    // Each signature draws a fresh nonce, as schnorrkel's signing does.
    const twice = [0, 1].map((): string =>
      signatureToHex(native?.sign?.(alice.publicKey, secret, new Uint8Array(1)) as Uint8Array),
    );
    expect(twice[0]).not.toBe(twice[1]);
    // A secret of the wrong length is refused, not guessed at.
    expect(native?.sign?.(alice.publicKey, secret.subarray(0, 32), new Uint8Array(1))).toBeNull();
  });
});
