// @subnet/chain: subtensor for the miner and the validator.

export { intToIp, ipToInt } from './axonIp.js';
export type {
  ChainClientOptions,
  ConnectionState,
  PendingCommit,
  ServeAxonArgs,
  SetWeightsArgs,
  StoredCommit,
} from './client/chainClient.js';
export { ChainClient, DEFAULT_VERSION_KEY } from './client/chainClient.js';
export type { RuntimeAdapter } from './client/runtimeAdapter.js';
export type { SubmitOptions, TxReceipt } from './client/submit.js';
export type { KnownDispatchError } from './errors.js';
export { ChainDispatchError, ChainError, ChainErrorCode, isDispatchError } from './errors.js';
export type { SudoGlobalParams, SudoSubnetParams } from './extrinsics/sudo.js';
export type { SubnetHyperparameters } from './hyperparameters.js';
export type { KeyringPair } from './keys.js';
export { keypairFromUri, SS58_FORMAT } from './keys.js';
export type { AxonInfo, Metagraph, Neuron } from './metagraph.js';
export { neuronByHotkey } from './metagraph.js';
export type { NetworkName } from './networks.js';
export { NETWORK_ENDPOINTS, resolveEndpoint } from './networks.js';
export type { CreateKeyOptions, WalletListing, WalletRef } from './wallet/wallet.js';
export {
  createColdkey,
  createHotkey,
  defaultWalletPath,
  listWallets,
  loadColdkey,
  loadColdkeyPub,
  loadHotkey,
  walletPaths,
} from './wallet/wallet.js';
export type { CommitHashInput } from './weights/commitHash.js';
export { commitHash, netuidIndex, randomSalt } from './weights/commitHash.js';
export type { ProcessWeightsOptions, WeightVector } from './weights/processWeights.js';
export {
  convertWeightsAndUidsForEmit,
  normalizeMaxWeight,
  processWeights,
  U16_MAX,
  weightsForChain,
} from './weights/processWeights.js';
