// The wallet doctor checks on files alone, against the key files the reference SDK wrote
// (test/fixtures/wallets: an unencrypted hotkey, a NaCl-encrypted coldkey, an ansible-vault one)
// and broken ones: what each says, and the fix.
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Check, runChecklist } from '@subnet/kit';
import { afterAll, describe, expect, it } from 'vitest';
import { readHotkeyAddress, walletChecks } from './walletChecks.js';

const FIXTURES = new URL('../../test/fixtures/wallets/', import.meta.url).pathname;
const { coldkey: COLDKEY, hotkeyDefault: HOTKEY } = JSON.parse(
  readFileSync(join(FIXTURES, 'expected.json'), 'utf8'),
) as { coldkey: { ss58: string }; hotkeyDefault: { ss58: string } };
const root = mkdtempSync(join(tmpdir(), 'wallet-checks-'));

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A wallet `name` whose hotkey `default` is a copy of `hotkey.from` (or `hotkey.text`). */
function wallet(
  name: string,
  hotkey: { from?: string; text?: string; pub?: string },
  coldkeypub = true,
): { path: string; name: string; hotkey: string } {
  const dir = join(root, name);
  mkdirSync(join(dir, 'hotkeys'), { recursive: true });
  const file = join(dir, 'hotkeys', 'default');
  if (hotkey.from) copyFileSync(hotkey.from, file);
  if (hotkey.text !== undefined) writeFileSync(file, hotkey.text);
  chmodSync(file, 0o600);
  if (hotkey.pub) copyFileSync(hotkey.pub, join(dir, 'hotkeys', 'defaultpub.txt'));
  if (coldkeypub) copyFileSync(join(FIXTURES, 'sdk/coldkeypub.txt'), join(dir, 'coldkeypub.txt'));
  return { path: root, name, hotkey: 'default' };
}

async function results(checks: Check[]) {
  const report = await runChecklist(checks, () => undefined);
  return Object.fromEntries(report.results.map(({ name, ...r }) => [name, r]));
}

describe('walletChecks', () => {
  it("reads an SDK wallet: the hotkey's and the coldkey's addresses", async () => {
    const w = wallet('sdk', { from: join(FIXTURES, 'sdk/hotkeys/default') });
    expect(readHotkeyAddress(w)).toBe(HOTKEY.ss58);
    const r = await results(walletChecks({ ...w, coldkey: true }));
    expect(r['wallet files']).toEqual({
      status: 'ok',
      detail: `hotkey ${HOTKEY.ss58}, coldkey ${COLDKEY.ss58} (wallet sdk/default in ${root})`,
    });
    expect(r['wallet permissions']).toEqual({
      status: 'ok',
      detail: 'hotkey 600: only you can read them',
    });
  });

  it('an encrypted hotkey: its address from the pub file, without a password', async () => {
    const pub = join(root, 'pub.json');
    writeFileSync(pub, JSON.stringify({ ss58Address: HOTKEY.ss58 }));
    const w = wallet('nacl', { from: join(FIXTURES, 'sdk/coldkey'), pub });
    expect(readHotkeyAddress(w)).toBe(HOTKEY.ss58);
    expect((await results(walletChecks(w)))['wallet files']).toEqual({
      status: 'ok',
      detail: `hotkey ${HOTKEY.ss58} (encrypted: the daemon needs its password) (wallet nacl/default in ${root})`,
    });
    const bare = wallet('nacl-bare', { from: join(FIXTURES, 'sdk/coldkey') });
    expect(readHotkeyAddress(bare)).toBeUndefined();
    const file = join(root, 'nacl-bare/hotkeys/default');
    expect((await results(walletChecks(bare)))['wallet files']).toEqual({
      status: 'warn',
      detail: `${file} is encrypted and ${file}pub.txt is missing: its address is known only once decrypted`,
      fix: 'give the daemon its password (--password-env), or put the hotkey pub file back',
    });
  });

  it('a hotkey file that is no key, or one in a format that cannot be read: blockers', async () => {
    const junk = wallet('junk', { text: 'not a key' });
    const file = (name: string) => join(root, name, 'hotkeys/default');
    expect(readHotkeyAddress(junk)).toBeUndefined();
    expect((await results(walletChecks(junk)))['wallet files']).toEqual({
      status: 'blocker',
      detail: `${file('junk')} is not a key file`,
      fix: 'restore it from a backup, or regenerate it from its mnemonic with btcli',
    });
    const empty = wallet('empty', { text: '{"ss58Address":"x"}' });
    expect((await results(walletChecks(empty)))['wallet files']).toEqual({
      status: 'blocker',
      detail: `${file('empty')} is not a usable key: ${file('empty')}: no secretSeed, secretPhrase or privateKey`,
      fix: 'restore it from a backup, or regenerate it from its mnemonic with btcli',
    });
    const vault = wallet('vault', { from: join(FIXTURES, 'legacy/coldkey') });
    expect((await results(walletChecks(vault)))['wallet files']).toEqual({
      status: 'blocker',
      detail: `${file('vault')} uses the legacy ansible encryption, which cannot be read here`,
      fix: 're-encrypt it with `btcli wallet update`, or regenerate the wallet',
    });
  });

  it("a missing coldkeypub.txt is a blocker only when the coldkey's address is needed", async () => {
    const w = wallet('hotonly', { from: join(FIXTURES, 'sdk/hotkeys/default') }, false);
    expect((await results(walletChecks(w)))['wallet files']?.status).toBe('ok');
    expect((await results(walletChecks({ ...w, coldkey: true })))['wallet files']).toEqual({
      status: 'blocker',
      detail: `no coldkeypub.txt at ${join(root, 'hotonly/coldkeypub.txt')} (hotkey ${HOTKEY.ss58})`,
      fix: "copy coldkeypub.txt (it holds no secret) from the machine where the wallet's coldkey was made",
    });
  });

  it('a missing hotkey of a wallet that has its coldkey: the --hotkey-only command', async () => {
    const w = wallet('cold', { from: join(FIXTURES, 'sdk/hotkeys/default') });
    const r = await results(walletChecks({ ...w, hotkey: 'other' }));
    expect(r['wallet files']).toEqual({
      status: 'blocker',
      detail: `no hotkey file at ${join(root, 'cold/hotkeys/other')}`,
      fix: `create it: \`pnpm chain wallet create --wallet.name cold --wallet.hotkey other --wallet.path ${root} --hotkey-only\``,
    });
    expect(r['wallet permissions']).toEqual({
      status: 'skip',
      detail: 'no key file to check (see wallet files)',
    });
  });
});
