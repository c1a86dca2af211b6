export {
  type AxonHandlerContext,
  type AxonReply,
  disconnectSignal,
  type HandleOptions,
  handleAxonRequest,
  type RefusedCall,
  type ServeContext,
  type ServeOutcome,
  transportErrorReply,
  type VerifiedCall,
  type WriteResult,
  writeAxonReply,
} from './axonHandler';
export { type AxonListenerOptions, type AxonRequestDone, axonRequestListener } from './axonHttp';
export { BatchingVerifier, type BatchingVerifierOptions } from './batchingVerifier';
export { parseBodyFields, parseJsonObject, terminalFromBody, toBody, toJson } from './body';
export { bodyHash } from './bodyHash';
export {
  type CallDeadlines,
  DEFAULT_CONNECT_MS,
  DEFAULT_STREAM_IDLE_MS,
} from './callGuard';
export { CryptoPool, type CryptoPoolOptions } from './cryptoPool';
export {
  type AxonTarget,
  type CallOptions,
  Dendrite,
  type DendriteOptions,
} from './dendrite';
export { ProtocolError, ProtocolErrorCode } from './errors';
export {
  AXON_PREFIX,
  DENDRITE_PREFIX,
  INPUT_OBJ_PREFIX,
  type ParsedHeaders,
  parseHeaders,
  type ToHeadersOptions,
  toHeaders,
} from './headers';
export {
  cryptoReady,
  type Hotkey,
  hotkeyFromPair,
  hotkeyFromSeed,
  hotkeyFromUri,
  SS58_FORMAT,
  signatureToHex,
} from './keys';
export {
  ALLOWED_DELTA_NS,
  type NonceCheck,
  type NonceVerdict,
  NonceWindow,
  type NonceWindowOptions,
  V_7_2_0,
} from './nonceWindow';
export { pyFloatRepr, pyRepr, pyStr, pyStrRepr } from './pythonRepr';
export {
  type AxonIdentity,
  type AxonResponse,
  buildErrorResponse,
  buildResponse,
  buildStreamHead,
  type ResponseSignature,
  safeHeaderValue,
} from './response';
export { sha3Hex } from './sha3';
export {
  nextNonce,
  type RequestSigningFields,
  type ResponseSigningFields,
  requestMessage,
  responseMessage,
  signRequest,
  signResponse,
} from './signing';
export { StatusCode } from './statusCodes';
export {
  encodeStreamEvent,
  SseDataDecoder,
  type SseDataDecoderOptions,
  StreamEventDecoder,
} from './streamEvents';
export {
  createSynapse,
  type DefineSynapseOptions,
  defineSynapse,
  ownFields,
  parseSynapseFields,
  type Synapse,
  type SynapseBase,
  type SynapseDef,
  type SynapseFields,
  type SynapseInput,
  type SynapseOf,
} from './synapse';
export { type SynapseRegistry, synapseRegistry } from './synapseRegistry';
export {
  TERMINAL_INFO_FIELDS,
  type TerminalInfo,
  type TerminalInfoField,
  terminalInfoSchema,
} from './terminalInfo';
export { type PreparedSignature, SignatureVerifier } from './verifier';
export {
  type AxonRequest,
  type BlacklistInfo,
  type BlacklistVerdict,
  routeName,
  type SignatureCheck,
  type VerifyContext,
  type VerifyFailureCode,
  type VerifyResult,
  verifyRequest,
} from './verifyRequest';
export { PROTOCOL_VERSION, PROTOCOL_VERSION_STRING, versionAsInt } from './version';
