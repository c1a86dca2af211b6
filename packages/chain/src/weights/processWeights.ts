import { ChainError, ChainErrorCode } from '../errors.js';
import { cast, type Dtype, npCumsum, npSum, roundHalfEven } from './float32.js';

export const U16_MAX = 65535;

/** Weights as numpy holds them: the values and their dtype. */
export interface WeightVector {
  uids: number[];
  /** Values exactly as numpy would hold them (float32 values are float32-representable). */
  weights: number[];
  dtype: Dtype;
}

/**
 * The SDK's `normalize_max_weight`: normalize to sum 1 with no value above `limit`, computed
 * with numpy's float semantics in `dtype`.
 */
export function normalizeMaxWeight(
  x: readonly number[],
  limit = 0.1,
  dtype: Dtype = 'float32',
): number[] {
  const c = cast(dtype);
  const epsilon = c(1e-7);
  const n = x.length;
  const weights = x.map(c);
  const values = [...weights].sort((a, b) => a - b);
  if (npSum(weights, dtype) === 0 || n * limit <= 1) {
    return weights.map(() => c(1 / n));
  }
  const valuesSum = npSum(values, dtype);
  const estimation = values.map((v) => c(v / valuesSum));
  const lim = c(limit);
  const maxEst = estimation.reduce((m, v) => Math.max(m, v), -Infinity);
  if (maxEst <= lim) {
    const s = npSum(weights, dtype);
    return weights.map((w) => c(w / s));
  }
  const cumsum = npCumsum(estimation, dtype);
  const estimationSum = estimation.map((e, i) => c((n - i - 1) * e));
  let nValues = 0;
  for (let i = 0; i < n; i++) {
    const denom = c(c((estimationSum[i] as number) + (cumsum[i] as number)) + epsilon);
    if (c((estimation[i] as number) / denom) < lim) nValues++;
  }
  const cum = cumsum.at(nValues - 1) as number;
  // `limit * cumsum[k] - epsilon` is in the dtype; `1 - limit * (n - k)` is a numpy float64
  // (n_values is an np.int64), so the cutoff is float64 and only cast back when stored.
  const numer = c(c(lim * cum) - epsilon);
  const denom = 1 - limit * (n - nValues);
  const cutoff = (numer / denom) * valuesSum;
  const stored = c(cutoff);
  const clipped = weights.map((w) => (w > cutoff ? stored : w));
  const s = npSum(clipped, dtype);
  return clipped.map((w) => c(w / s));
}

/** `np.quantile(a, q)` (linear method) with a Python-float `q`, in the array's dtype. */
export function npQuantile(a: readonly number[], q: number, dtype: Dtype): number {
  const c = cast(dtype);
  const sorted = [...a].sort((x, y) => x - y);
  const n = sorted.length;
  const virtual = (n - 1) * q;
  let prev = Math.floor(virtual);
  let next = prev + 1;
  if (virtual >= n - 1) {
    prev = n - 1;
    next = n - 1;
  } else if (virtual < 0) {
    prev = 0;
    next = 0;
  }
  const gamma = virtual - Math.floor(virtual);
  const lo = sorted[prev] as number;
  const hi = sorted[next] as number;
  const diff = c(hi - lo);
  if (gamma >= 0.5) return c(hi - c(diff * c(1 - gamma)));
  return c(lo + c(diff * c(gamma)));
}

export interface ProcessWeightsOptions {
  /** Number of neurons on the subnet (metagraph `n`). */
  numNeurons: number;
  /** Subnet `MinAllowedWeights`. */
  minAllowedWeights: number;
  /** Subnet `MaxWeightsLimit` as a float in [0, 1] (u16 / 65535). */
  maxWeightLimit: number;
  /** Exclude weights below this quantile, in u16 units (0 = none, the SDK default). */
  excludeQuantile?: number;
}

/**
 * The SDK's `process_weights` (bittensor 10.x `utils/weight_utils.py`): drop zero weights,
 * enforce min allowed weights, exclude a low quantile, and cap each weight at the max weight
 * limit. Returns what numpy would return, dtype included (the inputs are cast to float32 first).
 */
export function processWeights(
  uids: readonly number[],
  weights: readonly number[],
  options: ProcessWeightsOptions,
): WeightVector {
  if (uids.length !== weights.length) {
    throw new ChainError(
      ChainErrorCode.InvalidArgument,
      `uids and weights differ in length (${uids.length} and ${weights.length})`,
    );
  }
  const { numNeurons, minAllowedWeights, maxWeightLimit } = options;
  const w32 = weights.map(Math.fround);
  const quantile = (options.excludeQuantile ?? 0) / U16_MAX;
  const nzIdx: number[] = [];
  for (let i = 0; i < w32.length; i++) if ((w32[i] as number) > 0) nzIdx.push(i);
  const nzUids = nzIdx.map((i) => uids[i] as number);
  const nzWeights = nzIdx.map((i) => w32[i] as number);
  const arange = (n: number) => Array.from({ length: n }, (_, i) => i);

  if (nzWeights.length === 0 || numNeurons < minAllowedWeights) {
    return {
      uids: arange(numNeurons),
      weights: arange(numNeurons).map(() => 1 / numNeurons),
      dtype: 'float64',
    };
  }
  if (nzWeights.length < minAllowedWeights) {
    // float64: np.ones(n, dtype=int64) * 1e-5, then the non-zero weights added at their positions.
    const padded = arange(numNeurons).map(() => 1e-5);
    for (let k = 0; k < nzIdx.length; k++) {
      const i = nzIdx[k] as number;
      if (i >= numNeurons) {
        throw new ChainError(
          ChainErrorCode.InvalidArgument,
          `weight position ${i} is outside the ${numNeurons} neurons of the subnet`,
        );
      }
      padded[i] = (padded[i] as number) + (nzWeights[k] as number);
    }
    return {
      uids: arange(numNeurons),
      weights: normalizeMaxWeight(padded, maxWeightLimit, 'float64'),
      dtype: 'float64',
    };
  }
  const maxExclude = Math.max(0, nzWeights.length - minAllowedWeights) / nzWeights.length;
  const q = Math.min(quantile, maxExclude);
  const lowest = npQuantile(nzWeights, q, 'float32');
  const keptUids: number[] = [];
  const kept: number[] = [];
  for (let k = 0; k < nzWeights.length; k++) {
    if (lowest <= (nzWeights[k] as number)) {
      keptUids.push(nzUids[k] as number);
      kept.push(nzWeights[k] as number);
    }
  }
  return {
    uids: keptUids,
    weights: normalizeMaxWeight(kept, maxWeightLimit, 'float32'),
    dtype: 'float32',
  };
}

/**
 * The SDK's `convert_weights_and_uids_for_emit` (after `convert_uids_and_weights`): scale so
 * the largest weight is 65535, round half to even, drop zeros. Plain number arrays are cast to
 * float32 first, as the SDK does with Python lists; a `WeightVector` keeps its dtype.
 */
export function convertWeightsAndUidsForEmit(
  uids: readonly number[],
  weights: readonly number[] | WeightVector,
): { uids: number[]; values: number[] } {
  const values = Array.isArray(weights)
    ? weights.map(Math.fround)
    : (weights as WeightVector).weights;
  const ids = Array.isArray(weights) ? uids : (weights as WeightVector).uids;
  if (ids.length !== values.length) {
    throw new ChainError(
      ChainErrorCode.InvalidArgument,
      `Passed weights and uids must have the same length, got ${ids.length} and ${values.length}`,
    );
  }
  if (values.length === 0) return { uids: [], values: [] };
  if (Math.min(...values) < 0) {
    throw new ChainError(
      ChainErrorCode.InvalidArgument,
      'Passed weight is negative cannot exist on chain',
    );
  }
  if (Math.min(...ids) < 0) {
    throw new ChainError(
      ChainErrorCode.InvalidArgument,
      'Passed uid is negative cannot exist on chain',
    );
  }
  // Python's sum() and max() over the list of floats: float64.
  let sum = 0;
  for (const v of values) sum += v;
  if (sum === 0) return { uids: [], values: [] };
  const max = Math.max(...values);
  const outUids: number[] = [];
  const outValues: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const u16 = roundHalfEven(((values[i] as number) / max) * U16_MAX);
    if (u16 !== 0) {
      outUids.push(ids[i] as number);
      outValues.push(u16);
    }
  }
  return { uids: outUids, values: outValues };
}

/** `process_weights` then `convert_weights_and_uids_for_emit`: what the SDK puts on chain. */
export function weightsForChain(
  uids: readonly number[],
  weights: readonly number[],
  options?: ProcessWeightsOptions,
): { uids: number[]; values: number[] } {
  if (!options) return convertWeightsAndUidsForEmit(uids, weights);
  const processed = processWeights(uids, weights, options);
  return convertWeightsAndUidsForEmit(processed.uids, processed);
}
