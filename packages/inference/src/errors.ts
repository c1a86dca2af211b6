/** The inference package's error codes: stable strings that callers switch on. */
export const InferenceErrorCode = {
  BadConfig: 'INFERENCE_BAD_CONFIG',
  BadManifest: 'INFERENCE_BAD_MANIFEST',
  UnknownModel: 'INFERENCE_UNKNOWN_MODEL',
  ModelNotDownloaded: 'INFERENCE_MODEL_NOT_DOWNLOADED',
  Offline: 'INFERENCE_OFFLINE',
  DownloadFailed: 'INFERENCE_DOWNLOAD_FAILED',
  DownloadIncomplete: 'INFERENCE_DOWNLOAD_INCOMPLETE',
  HashMismatch: 'INFERENCE_HASH_MISMATCH',
  ProviderUnavailable: 'INFERENCE_PROVIDER_UNAVAILABLE',
  SessionCreateFailed: 'INFERENCE_SESSION_CREATE_FAILED',
  OverBudget: 'INFERENCE_OVER_BUDGET',
  ModelShapeUnsupported: 'INFERENCE_MODEL_SHAPE_UNSUPPORTED',
  BadRequest: 'INFERENCE_BAD_REQUEST',
  ContextTooLong: 'INFERENCE_CONTEXT_TOO_LONG',
  UnknownAdapter: 'INFERENCE_UNKNOWN_ADAPTER',
  BadAdapter: 'INFERENCE_BAD_ADAPTER',
  /** A file of an exported model (tokenizer, generation config) is missing, malformed or inconsistent. */
  BadExport: 'INFERENCE_BAD_EXPORT',
  BadSafetensors: 'INFERENCE_BAD_SAFETENSORS',
  BackendFailed: 'INFERENCE_BACKEND_FAILED',
  Cancelled: 'INFERENCE_CANCELLED',
} as const;
export type InferenceErrorCode = (typeof InferenceErrorCode)[keyof typeof InferenceErrorCode];

export class InferenceError extends Error {
  override readonly name = 'InferenceError';
  readonly code: InferenceErrorCode;
  /** What the operator can do about it, when the error knows (printed by the CLIs as `fix:`). */
  readonly fix: string | undefined;

  constructor(
    code: InferenceErrorCode,
    message: string,
    options?: { cause?: unknown; fix?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.fix = options?.fix;
  }
}
