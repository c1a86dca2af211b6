import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainError } from '../errors.js';
import { writeDevWallets } from './devWallets.js';
import {
  createColdkey,
  createHotkey,
  listWallets,
  loadColdkey,
  loadColdkeyPub,
  loadHotkey,
} from './wallet.js';

const FIXTURES = new URL('../../test/fixtures/wallets/', import.meta.url).pathname;
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as {
  password: string;
  coldkey: { ss58: string; publicKey: string };
  hotkeyDefault: { ss58: string; mnemonic: string };
  hotkeyUri: { ss58: string };
};

let dir: string;

function codeOf(err: unknown): string | undefined {
  return err instanceof ChainError ? err.code : undefined;
}

beforeAll(() => {
  // Git does not keep 0600: copy the SDK-made wallets and restore btcli's permissions.
  dir = mkdtempSync(join(tmpdir(), 'chain-wallets-'));
  cpSync(FIXTURES, dir, { recursive: true });
  for (const f of ['sdk/coldkey', 'sdk/hotkeys/default', 'sdk/hotkeys/uri', 'legacy/coldkey']) {
    chmodSync(join(dir, f), 0o600);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('btcli wallets made by the Python SDK', () => {
  it('loads a mnemonic hotkey and a private-key hotkey to the same addresses', async () => {
    expect((await loadHotkey({ name: 'sdk', path: dir })).address).toBe(
      expected.hotkeyDefault.ss58,
    );
    const bob = await loadHotkey({ name: 'sdk', hotkey: 'uri', path: dir });
    expect(bob.address).toBe(expected.hotkeyUri.ss58);
    const msg = new Uint8Array([7, 7, 7]);
    expect(bob.verify(msg, bob.sign(msg), bob.publicKey)).toBe(true);
  });

  it('reads coldkeypub.txt without a password', () => {
    expect(loadColdkeyPub({ name: 'sdk', path: dir })).toBe(expected.coldkey.ss58);
  });

  // One Argon2i derivation (512 MiB) takes seconds: a wrong password would cost another one.
  it('decrypts the NaCl coldkey with the password, and asks for one', async () => {
    const cold = await loadColdkey({ name: 'sdk', path: dir }, { password: expected.password });
    expect(cold.address).toBe(expected.coldkey.ss58);
    const none = await loadColdkey({ name: 'sdk', path: dir }).catch((e) => e);
    expect(codeOf(none)).toBe('CHAIN_KEYFILE_WRONG_PASSWORD');
  }, 120_000);

  it('names the legacy Ansible format as unsupported', async () => {
    const err = await loadColdkey(
      { name: 'legacy', path: dir },
      { password: expected.password },
    ).catch((e) => e);
    expect(codeOf(err)).toBe('CHAIN_KEYFILE_UNSUPPORTED');
    expect(String(err.message)).toMatch(/ansible/);
  });

  it('refuses key files that others can read', async () => {
    chmodSync(join(dir, 'sdk/hotkeys/uri'), 0o644);
    const err = await loadHotkey({ name: 'sdk', hotkey: 'uri', path: dir }).catch((e) => e);
    expect(codeOf(err)).toBe('CHAIN_KEYFILE_INSECURE');
    expect(String(err.message)).toMatch(/chmod 600/);
    chmodSync(join(dir, 'sdk/hotkeys/uri'), 0o600);
  });

  it('reports a missing key file', async () => {
    const err = await loadHotkey({ name: 'nobody', path: dir }).catch((e) => e);
    expect(codeOf(err)).toBe('CHAIN_KEYFILE_NOT_FOUND');
  });
});

describe('creating wallets', () => {
  it('writes a coldkey and hotkey with 0600 files that load back, and lists them', async () => {
    const path = join(dir, 'created');
    const cold = await createColdkey(
      { name: 'w', path },
      { mnemonic: expected.hotkeyDefault.mnemonic },
    );
    // The same mnemonic gives the same key as bittensor_wallet's create_from_mnemonic.
    expect(cold.address).toBe(expected.hotkeyDefault.ss58);
    const hot = await createHotkey({ name: 'w', hotkey: 'miner', path });
    expect(hot.mnemonic.split(' ')).toHaveLength(12);
    expect(statSync(join(path, 'w', 'coldkey')).mode & 0o777).toBe(0o600);
    expect((await loadColdkey({ name: 'w', path })).address).toBe(cold.address);
    expect((await loadHotkey({ name: 'w', hotkey: 'miner', path })).address).toBe(hot.address);
    const again = await createHotkey({ name: 'w', hotkey: 'miner', path }).catch((e) => e);
    expect(codeOf(again)).toBe('CHAIN_KEYFILE_EXISTS');
    expect(listWallets(path)).toEqual([
      { name: 'w', coldkey: cold.address, hotkeys: [{ name: 'miner', address: hot.address }] },
    ]);
  });

  it('writes the dev wallets in the btcli layout', async () => {
    const path = join(dir, 'dev');
    const written = await writeDevWallets(path);
    expect(written.map((w) => w.name)).toEqual([
      'alice',
      'bob',
      'charlie',
      'dave',
      'eve',
      'ferdie',
    ]);
    expect(written[0]?.coldkey).toBe('5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY');
    expect((await loadHotkey({ name: 'bob', path })).address).toBe(written[1]?.hotkey);
    expect(existsSync(join(path, 'bob', 'coldkeypub.txt'))).toBe(true);
    // Idempotent: a second run keeps the files.
    expect(await writeDevWallets(path)).toEqual(written);
  });
});
