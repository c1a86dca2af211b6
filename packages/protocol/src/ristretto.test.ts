import { sr25519_verify } from '@polkadot-labs/schnorrkel-wasm';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isRistrettoEncoding } from './ristretto';
import { DEV_KEY_NAMES, devHotkey } from './testing/devKeys';

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
/** p = 2^255 - 19, little-endian. */
const P_BYTES = hex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ristretto255 decoding (RFC 9496)', () => {
  it('accepts the identity, the generator and its double (RFC 9496 A.1), and the dev keys', async () => {
    expect(isRistrettoEncoding(new Uint8Array(32))).toBe(true);
    expect(
      isRistrettoEncoding(hex('e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76')),
    ).toBe(true);
    expect(
      isRistrettoEncoding(hex('6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919')),
    ).toBe(true);
    for (const name of DEV_KEY_NAMES) {
      expect(isRistrettoEncoding((await devHotkey(name)).publicKey)).toBe(true);
    }
  });

  it('refuses negative, non-canonical and wrongly sized encodings', () => {
    const one = new Uint8Array(32);
    one[0] = 1; // odd: "negative"
    expect(isRistrettoEncoding(one)).toBe(false);
    expect(isRistrettoEncoding(P_BYTES)).toBe(false); // p itself: not below p
    const pPlus2 = Uint8Array.from(P_BYTES);
    pPlus2[0] = 0xef; // p + 2, even but not canonical
    expect(isRistrettoEncoding(pPlus2)).toBe(false);
    expect(isRistrettoEncoding(new Uint8Array(32).fill(0xff))).toBe(false);
    expect(isRistrettoEncoding(new Uint8Array(31))).toBe(false);
    expect(isRistrettoEncoding(new Uint8Array(33))).toBe(false);
  });

  it('agrees with schnorrkel (the wasm build, which throws on what it cannot decompress)', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {}); // its panic message
    const message = new Uint8Array(1);
    const signature = new Uint8Array(64);
    signature[63] = 0x80;
    const schnorrkelDecodes = (key: Uint8Array) => {
      try {
        sr25519_verify(key, message, signature);
        return true;
      } catch {
        return false;
      }
    };
    // Even and canonical, so most refusals are the subtle kind: no point has that encoding.
    const candidate = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => {
      b[0] = (b[0] as number) & 0xfe;
      b[31] = (b[31] as number) & 0x7f;
      return b;
    });
    let valid = 0;
    fc.assert(
      fc.property(candidate, (key) => {
        const ours = isRistrettoEncoding(key);
        expect(ours).toBe(schnorrkelDecodes(key));
        if (ours) valid++;
      }),
      { numRuns: 150 },
    );
    // About one in eight such strings decodes: both answers occurred.
    expect(valid).toBeGreaterThan(0);
    expect(valid).toBeLessThan(150);
  });
});
