import { Keyring } from '@polkadot/keyring';
import { signatureVerify } from '@polkadot/util-crypto';
import { describe, expect, it } from 'vitest';
import { cryptoReady, hotkeyFromPair, hotkeyFromSeed, hotkeyFromUri } from './keys';

describe('hotkeys', () => {
  it('derive the dev and mnemonic keys as the keyring does, and sign verifiably', async () => {
    await cryptoReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    for (const uri of [
      '//Alice',
      '//Bob//hotkey',
      'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Ferdie/1',
    ]) {
      const ours = await hotkeyFromUri(uri);
      const reference = keyring.addFromUri(uri);
      expect(ours.address).toBe(reference.address);
      const sig = ours.sign('a message');
      expect(signatureVerify('a message', sig, reference.address).isValid).toBe(true);
      expect(signatureVerify('another message', sig, reference.address).isValid).toBe(false);
    }
  });

  it('sign with the secret of an unlocked pair, and through the pair when it is locked', async () => {
    await cryptoReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const pair = keyring.addFromUri('//Charlie');
    const fast = hotkeyFromPair(pair);
    expect(signatureVerify('m', fast.sign('m'), pair.address).isValid).toBe(true);
    const locked = keyring.addFromJson(pair.toJson('pw'));
    const viaPair = hotkeyFromPair(locked);
    expect(() => viaPair.sign('m')).toThrow(/locked/i);
  });

  it('refuse a seed that is not 32 bytes', async () => {
    await expect(hotkeyFromSeed(new Uint8Array(31))).rejects.toMatchObject({
      code: 'PROTOCOL_BAD_KEY',
    });
    const k = await hotkeyFromSeed(new Uint8Array(32).fill(7));
    expect(signatureVerify('x', k.sign('x'), k.address).isValid).toBe(true);
  });
});
