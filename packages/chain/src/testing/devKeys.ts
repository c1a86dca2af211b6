import type { KeyringPair } from '@polkadot/keyring/types';
import { DEV_WALLETS } from '../devnet/devWallets.js';
import { keypairFromUri } from '../keys.js';

export interface DevKeys {
  name: string;
  role: string;
  coldkey: KeyringPair;
  hotkey: KeyringPair;
}

export type DevWalletName = 'alice' | 'bob' | 'charlie' | 'dave' | 'eve' | 'ferdie';

/**
 * The devnet's dev wallets as signing keypairs: `alice` (sudo, subnet owner), `bob`
 * (validator), `charlie` and `dave` (miners), `eve` and `ferdie` (spare). Public secrets: tests
 * and local networks only.
 */
export async function devKeys(): Promise<Record<DevWalletName, DevKeys>> {
  const out: Partial<Record<DevWalletName, DevKeys>> = {};
  for (const w of DEV_WALLETS) {
    out[w.name as DevWalletName] = {
      name: w.name,
      role: w.role,
      coldkey: await keypairFromUri(w.coldkeyUri),
      hotkey: await keypairFromUri(w.hotkeyUri),
    };
  }
  return out as Record<DevWalletName, DevKeys>;
}
