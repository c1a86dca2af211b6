export { DEVNET_SUBNET_DEFAULTS } from './bootstrap.js';
export type { ChainSpecOptions, DevnetRuntime, PinnedChainSpec } from './chainSpec.js';
export {
  DEFAULT_DEVNET_RUNTIME,
  DEVNET_RUNTIMES,
  findRepoRoot,
  PINNED_CHAIN_SPEC,
  PINNED_CHAIN_SPECS,
  resolveChainSpec,
} from './chainSpec.js';
export type { DevWalletSpec } from './devWallets.js';
export { DEV_FUNDS_RAO, DEV_WALLETS } from './devWallets.js';
export type { BlockMode, Devnet, DevWalletInfo, StartDevnetOptions } from './startDevnet.js';
export { startDevnet } from './startDevnet.js';
