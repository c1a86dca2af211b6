// Test doubles for this package and the packages that use it: the devnet's dev wallets as
// keypairs, the dev wallet list itself, and a TCP proxy to cut a connection with. Never for
// real networks.

export type { DevWalletSpec } from '../devnet/devWallets.js';
export { DEV_FUNDS_RAO, DEV_WALLETS } from '../devnet/devWallets.js';
export { writeDevWallets } from '../wallet/devWallets.js';
export type { DevKeys, DevWalletName } from './devKeys.js';
export { devKeys } from './devKeys.js';
export type { DrandPulse } from './drandPulse.js';
export { QUICKNET_ROUND_1000, storeDrandPulses } from './drandPulse.js';
export type { PopulatedSubnet, PopulateSubnetOptions } from './populateSubnet.js';
export { populateSubnet } from './populateSubnet.js';
export type { RpcNormalizer, RpcNormalizerOptions } from './rpcNormalizer.js';
export { normalizeRpcText, startRpcNormalizer } from './rpcNormalizer.js';
export type { TcpProxy, TcpProxyOptions } from './tcpProxy.js';
export { startTcpProxy } from './tcpProxy.js';
