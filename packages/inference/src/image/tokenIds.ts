import * as ort from '../runtime/ort';

/**
 * Token ids as the session's `input_ids` wants them: int64 in most exports, int32 in some
 * (e.g. Stable Diffusion text encoders exported by Optimum). The type is read from the model.
 */
export function tokenIdsTensor(
  session: ort.InferenceSession,
  ids: readonly number[],
  dims: readonly number[],
): ort.Tensor {
  const meta = session.inputMetadata.find((m) => m.name === 'input_ids');
  if (meta?.isTensor && meta.type === 'int32') {
    return new ort.Tensor('int32', Int32Array.from(ids), [...dims]);
  }
  return new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [...dims]);
}
