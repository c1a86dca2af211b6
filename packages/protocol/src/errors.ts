/**
 * The protocol package's error codes. Codes that cross the wire (status codes in synapse
 * responses) are listed in `statusCodes.ts`; these are the codes of thrown errors.
 */
export const ProtocolErrorCode = {
  BadHeader: 'PROTOCOL_BAD_HEADER',
  BadBody: 'PROTOCOL_BAD_BODY',
  InvalidSynapse: 'PROTOCOL_INVALID_SYNAPSE',
  UnknownSynapse: 'PROTOCOL_UNKNOWN_SYNAPSE',
  BadSignature: 'PROTOCOL_BAD_SIGNATURE',
  StaleNonce: 'PROTOCOL_STALE_NONCE',
  BodyHashMismatch: 'PROTOCOL_BODY_HASH_MISMATCH',
  WrongAxon: 'PROTOCOL_WRONG_AXON',
  BadKey: 'PROTOCOL_BAD_KEY',
  NotSerializable: 'PROTOCOL_NOT_SERIALIZABLE',
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
