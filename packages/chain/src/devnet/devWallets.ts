/**
 * The well-known development accounts that the devnet funds. Their secrets are public
 * (`//Alice` etc.): never use them on a real network.
 */
export interface DevWalletSpec {
  /** Wallet name in the btcli layout when written to disk. */
  readonly name: string;
  readonly coldkeyUri: string;
  readonly hotkeyUri: string;
  /** What the devnet uses it for. */
  readonly role: string;
}

export const DEV_WALLETS: readonly DevWalletSpec[] = Object.freeze([
  {
    name: 'alice',
    coldkeyUri: '//Alice',
    hotkeyUri: '//Alice//hotkey',
    role: 'sudo and subnet owner',
  },
  { name: 'bob', coldkeyUri: '//Bob', hotkeyUri: '//Bob//hotkey', role: 'validator' },
  { name: 'charlie', coldkeyUri: '//Charlie', hotkeyUri: '//Charlie//hotkey', role: 'miner' },
  { name: 'dave', coldkeyUri: '//Dave', hotkeyUri: '//Dave//hotkey', role: 'miner' },
  { name: 'eve', coldkeyUri: '//Eve', hotkeyUri: '//Eve//hotkey', role: 'spare' },
  { name: 'ferdie', coldkeyUri: '//Ferdie', hotkeyUri: '//Ferdie//hotkey', role: 'spare' },
]);

/** Free balance each dev coldkey starts with: 1,000,000 TAO in rao. */
export const DEV_FUNDS_RAO = 1_000_000n * 1_000_000_000n;
