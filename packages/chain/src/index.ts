// @subnet/chain: subtensor for the miner and the validator.

export { intToIp, ipToInt } from './axonIp.js';
export type { ChainClientOptions, ServeAxonArgs } from './client/chainClient.js';
export { ChainClient } from './client/chainClient.js';
export type { ChainConnectionOptions, ConnectionState } from './client/connection.js';
export type { RuntimeAdapter } from './client/runtimeAdapter.js';
export type { SubmitOptions, TxReceipt } from './client/submit.js';
export type { ChainChecksOptions } from './doctor/chainChecks.js';
export { chainChecks } from './doctor/chainChecks.js';
export type { WalletChecksOptions, WalletLocation } from './doctor/walletChecks.js';
export { readHotkeyAddress, walletChecks } from './doctor/walletChecks.js';
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
export type { WalletNames } from './operatorHints.js';
export {
  registerCommand,
  shellWord,
  unreachableFix,
  walletCreateCommand,
} from './operatorHints.js';
// --- Timelocked (drand quicknet IBE) weight commits: ./timelock/ ---
export type {
  EncryptedWeightsCommit,
  EncryptedWeightsCommitInput,
  Envelope,
  EpochSchedule,
  LegacyWeightsPayload,
  RandomBytes,
  RevealRoundInput,
  RevealTarget,
  TimelockDecryptOptions,
  TimelockEncryptOptions,
  TimelockErrorReason,
  TleParseOptions,
  TleParts,
  WeightsPayload,
  WeightsPayloadDecodeOptions,
  WeightsPayloadInput,
} from './timelock/index.js';
export {
  DEFAULT_MAX_PLAINTEXT_BYTES,
  decodeAnyWeightsPayload,
  decodeLegacyWeightsPayload,
  decodeWeightsPayload,
  encodeLegacyWeightsPayload,
  encodeWeightsPayload,
  encryptedWeightsCommit,
  MAX_COMMIT_BYTES,
  parseTle,
  predictFirstRevealBlock,
  QUICKNET,
  revealRoundAt,
  revealRoundFor,
  roundAt,
  roundTime,
  scheduleFromLegacyEpochs,
  TimelockError,
  TLE_OVERHEAD_BYTES,
  timelockDecrypt,
  timelockEncrypt,
  unwrapEnvelope,
  verifyPulse,
  wrapEnvelope,
} from './timelock/index.js';
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
export type {
  HashCommitOnChain,
  PreparedWeights,
  PrepareWeightsArgs,
  TimelockedCommitOnChain,
  WeightsLanding,
} from './weights/chainWeights.js';
export { ChainWeights } from './weights/chainWeights.js';
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
export { DEFAULT_VERSION_KEY } from './weights/versionKey.js';
export type { WeightsPath, WeightsPolicy } from './weights/weightsPolicy.js';
export {
  MAX_TIMELOCKED_COMMIT_BYTES,
  readWeightsPolicy,
  WEIGHTS_PATHS,
} from './weights/weightsPolicy.js';
