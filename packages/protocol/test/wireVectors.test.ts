import { describe, expect, it } from 'vitest';
import {
  bodyHash,
  createSynapse,
  hotkeyFromUri,
  INPUT_OBJ_PREFIX,
  requestMessage,
  SignatureVerifier,
  type SynapseDef,
  sha3Hex,
  signRequest,
  toHeaders,
  versionAsInt,
} from '../src/index';
import { Dummy, Prompting } from '../src/testing/index';
import vectors from './fixtures/bittensor-wire.json';

describe('reference values from the Python SDK', () => {
  it('sha3-256 matches', () => {
    for (const v of vectors.sha3_256) expect(sha3Hex(v.input)).toBe(v.hex);
  });

  it('dev keys have the SDK addresses and public key', async () => {
    const alice = await hotkeyFromUri(vectors.keys.alice.uri);
    const bob = await hotkeyFromUri(vectors.keys.bob.uri);
    expect(alice.address).toBe(vectors.keys.alice.ss58);
    expect(Buffer.from(alice.publicKey).toString('hex')).toBe(
      vectors.keys.alice.publicKey.slice(2),
    );
    expect(bob.address).toBe(vectors.keys.bob.ss58);
  });

  it('body hashes and input placeholders match for Dummy and Prompting', () => {
    const defs = { Dummy, Prompting } as const;
    for (const v of vectors.body_hash) {
      const def: SynapseDef = defs[v.synapse as keyof typeof defs];
      expect(def.requiredHashFields).toEqual(v.required_hash_fields);
      const synapse = createSynapse(def, v.fields as never);
      expect(bodyHash(def, synapse)).toBe(v.body_hash);
      const headers = toHeaders(def, synapse);
      expect(headers.computed_body_hash).toBe(v.body_hash);
      const placeholders = Object.fromEntries(
        Object.entries(headers).filter(([k]) => k.startsWith(INPUT_OBJ_PREFIX)),
      );
      expect(placeholders).toEqual(v.placeholder_headers);
    }
  });

  it('the signed message is built exactly and its signature verifies', async () => {
    const ex = vectors.signed_message_example;
    const alice = await hotkeyFromUri(vectors.keys.alice.uri);
    const fields = {
      nonce: BigInt(ex.nonce),
      dendriteHotkey: vectors.keys.alice.ss58,
      axonHotkey: vectors.keys.bob.ss58,
      uuid: ex.uuid,
      bodyHash: vectors.body_hash[0]?.body_hash ?? '',
    };
    expect(requestMessage(fields)).toBe(ex.message);
    const sig = signRequest(alice, fields);
    expect(sig).toMatch(/^0x[0-9a-f]{128}$/);
    const verifier = new SignatureVerifier();
    expect(verifier.verify(ex.message, sig, alice.address)).toBe(true);
    expect(verifier.verify(`${ex.message}x`, sig, alice.address)).toBe(false);
    expect(verifier.verify(ex.message, sig, vectors.keys.bob.ss58)).toBe(false);
  });

  it('version_as_int encodes as the SDK does', () => {
    expect(versionAsInt('7.2.0')).toBe(7_002_000);
    expect(versionAsInt('10.5.0')).toBe(10_005_000);
    expect(() => versionAsInt('1.2')).toThrow(/major.minor.patch/);
  });
});
