import { describe, expect, it } from 'vitest';
import { commitHash, netuidIndex, randomSalt } from './commitHash.js';

// The shared wire vector (bittensor SDK generate_weight_hash), copied here.
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const ALICE_PUBKEY = '0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d';
const EXPECTED = '0x95f536aa60837036b5e257207e513eb2f9470025ff5cd35abb900b90525ad5a2';

describe('commitHash', () => {
  const input = {
    netuid: 1,
    uids: [0, 1, 2],
    values: [26214, 39321, 65535],
    salt: [1, 2, 3, 4, 5, 6, 7, 8],
    versionKey: 10002000,
  };

  it('equals the SDK hash for the shared vector, from an SS58 address or a public key', () => {
    expect(commitHash({ ...input, hotkey: ALICE })).toBe(EXPECTED);
    expect(commitHash({ ...input, hotkey: ALICE_PUBKEY, versionKey: 10002000n })).toBe(EXPECTED);
  });

  it('changes with the salt, and with the mechanism through the netuid index', () => {
    expect(commitHash({ ...input, hotkey: ALICE, salt: [1, 2, 3, 4, 5, 6, 7, 9] })).not.toBe(
      EXPECTED,
    );
    expect(netuidIndex(1, 0)).toBe(1);
    expect(netuidIndex(1, 2)).toBe(8193);
    expect(commitHash({ ...input, hotkey: ALICE, mecid: 1 })).not.toBe(EXPECTED);
  });

  it('rejects values that are not u16', () => {
    expect(() => commitHash({ ...input, hotkey: ALICE, values: [65536] })).toThrow(/not a u16/);
  });

  it('makes salts of u16 values', () => {
    const salt = randomSalt();
    expect(salt).toHaveLength(8);
    expect(salt.every((s) => Number.isInteger(s) && s >= 0 && s <= 65535)).toBe(true);
  });
});
