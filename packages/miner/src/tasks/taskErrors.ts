/**
 * Turns what the inference package throws into the status the axon answers with: the caller's
 * mistakes (a bad or oversized image, an unknown adapter, a prompt too long) are 4xx, a model
 * without room 503, anything else 500. The axon answers a MinerError with its `status`.
 */
import { InferenceError, InferenceErrorCode } from '@subnet/inference';
import { ImageInputError } from '@subnet/inference/image';
import { StatusCode } from '@subnet/protocol';
import { MinerError, MinerErrorCode } from '../errors';

const CALLER_ERRORS: ReadonlySet<string> = new Set([
  InferenceErrorCode.BadRequest,
  InferenceErrorCode.ContextTooLong,
  InferenceErrorCode.UnknownAdapter,
]);

/** The HTTP status for an error thrown while running a task. */
export function statusOf(err: unknown, signal?: AbortSignal): number {
  if (err instanceof MinerError) return err.status;
  if (err instanceof ImageInputError) return err.status;
  if (err instanceof InferenceError) {
    if (CALLER_ERRORS.has(err.code)) return StatusCode.BadRequest;
    if (err.code === InferenceErrorCode.OverBudget) return StatusCode.Unavailable;
    if (err.code === InferenceErrorCode.Cancelled && signal?.aborted) return StatusCode.Timeout;
  }
  return StatusCode.InternalError;
}

/**
 * Whether an error thrown while a model ran means its backend is broken (onnxruntime threw on run,
 * the session is gone): anything but the caller's mistake, a cancellation, a lack of room, or a
 * refusal of the miner's own. Such a model is taken out of service and reloaded.
 */
export function isBackendFailure(err: unknown): boolean {
  if (err instanceof InferenceError && err.code === InferenceErrorCode.Cancelled) return false;
  return !(err instanceof MinerError) && statusOf(err) === StatusCode.InternalError;
}

/** The same error as a MinerError carrying its status (kept as `cause`). */
export function toMinerError(err: unknown, signal?: AbortSignal): MinerError {
  if (err instanceof MinerError) return err;
  const status = statusOf(err, signal);
  const message = err instanceof Error ? err.message : String(err);
  const code = status < 500 ? MinerErrorCode.TaskInvalid : MinerErrorCode.TaskFailed;
  return new MinerError(code, message, { status, cause: err });
}

/** A 400 for a request this miner refuses before running anything. */
export function invalidTask(message: string): MinerError {
  return new MinerError(MinerErrorCode.TaskInvalid, message, { status: StatusCode.BadRequest });
}
