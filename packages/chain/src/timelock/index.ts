// Timelock (drand quicknet IBE) encryption of weight commits.

export { QUICKNET, roundAt, roundTime, verifyPulse } from './drand.js';
export type { EncryptedWeightsCommit, EncryptedWeightsCommitInput } from './encryptedCommit.js';
export { encryptedWeightsCommit, MAX_COMMIT_BYTES } from './encryptedCommit.js';
export type { Envelope } from './envelope.js';
export { unwrapEnvelope, wrapEnvelope } from './envelope.js';
export type { EpochSchedule, RevealRoundInput, RevealTarget } from './revealRound.js';
export {
  epochRunsAt,
  predictFirstRevealBlock,
  revealRoundAt,
  revealRoundFor,
  scheduleFromLegacyEpochs,
} from './revealRound.js';
export type { TimelockErrorReason } from './timelockError.js';
export { TimelockError } from './timelockError.js';
export type {
  RandomBytes,
  TimelockDecryptOptions,
  TimelockEncryptOptions,
  TleParseOptions,
  TleParts,
} from './tle.js';
export {
  DEFAULT_MAX_PLAINTEXT_BYTES,
  parseTle,
  TLE_OVERHEAD_BYTES,
  timelockDecrypt,
  timelockEncrypt,
} from './tle.js';
export type {
  LegacyWeightsPayload,
  WeightsPayload,
  WeightsPayloadDecodeOptions,
  WeightsPayloadInput,
} from './weightsPayload.js';
export {
  decodeAnyWeightsPayload,
  decodeLegacyWeightsPayload,
  decodeWeightsPayload,
  encodeLegacyWeightsPayload,
  encodeWeightsPayload,
} from './weightsPayload.js';
