/** HTTP status codes as the reference SDK's axon and dendrite use them in `TerminalInfo.status_code`. */
export const StatusCode = {
  /** The axon has parsed the request and is working on it (never sent as a final answer). */
  Processing: 100,
  Success: 200,
  /** Headers could not be parsed, or a field of the synapse is out of range. */
  BadRequest: 400,
  /** Signature, nonce or body hash did not verify. */
  Unauthorized: 401,
  /** The caller is blacklisted (unregistered, no validator permit, too little stake). */
  Forbidden: 403,
  /** No synapse of that name is served here. */
  NotFound: 404,
  /** Dendrite side: the call did not finish within its timeout. Axon side: priority queue timeout. */
  Timeout: 408,
  PayloadTooLarge: 413,
  /** Dendrite side: the response could not be parsed. */
  UnprocessableResponse: 422,
  TooManyRequests: 429,
  InternalError: 500,
  /** Dendrite side: the axon could not be reached. */
  Unavailable: 503,
} as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];
