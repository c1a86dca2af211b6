import { DEV_WALLETS } from '../devnet/devWallets.js';
import { loadColdkeyPub, loadHotkey, walletPaths, writeKeyFromUri } from './wallet.js';

/**
 * Writes the devnet's dev wallets in the btcli layout under `path` (coldkey unencrypted,
 * hotkey `default`), so that the miner and validator can load them by name on a local network.
 * Existing files are kept unless `overwrite`.
 */
export async function writeDevWallets(
  path: string,
  options: { overwrite?: boolean } = {},
): Promise<Array<{ name: string; coldkey: string; hotkey: string }>> {
  const out: Array<{ name: string; coldkey: string; hotkey: string }> = [];
  for (const w of DEV_WALLETS) {
    const p = walletPaths({ name: w.name, path, hotkey: 'default' });
    const overwrite = options.overwrite ?? false;
    const coldkey = await writeKeyFromUri(p.coldkey, p.coldkeypub, w.coldkeyUri, overwrite).catch(
      async (err: unknown) => {
        if ((err as { code?: string }).code !== 'CHAIN_KEYFILE_EXISTS') throw err;
        return loadColdkeyPub({ name: w.name, path });
      },
    );
    const hotkey = await writeKeyFromUri(p.hotkey, p.hotkeypub, w.hotkeyUri, overwrite).catch(
      async (err: unknown) => {
        if ((err as { code?: string }).code !== 'CHAIN_KEYFILE_EXISTS') throw err;
        return (await loadHotkey({ name: w.name, path, hotkey: 'default' })).address;
      },
    );
    out.push({ name: w.name, coldkey, hotkey });
  }
  return out;
}
