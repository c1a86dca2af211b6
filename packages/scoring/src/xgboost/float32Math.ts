/**
 * Single-precision arithmetic as XGBoost's C++ does it: every intermediate rounded to float32.
 * (Rounding an exact double sum, product or quotient of two float32 values to float32 gives the
 * float32 operation's result, so `Math.fround(a + b)` is float addition.)
 */
const f = Math.fround;

const RT_EPS = f(1e-6);
const ONE_MINUS_RT_EPS = f(1 - RT_EPS);
const SIGMOID_EPS = f(1e-16);
const EXP_CLAMP = f(88.7);

/** The logistic link of a base score: clamp to [1e-6, 1-1e-6], then -log(1/x - 1). */
export function float32Logit(probability: number): number {
  const x = Math.min(Math.max(f(probability), RT_EPS), ONE_MINUS_RT_EPS);
  return f(-f(Math.log(f(f(1 / x) - 1))));
}

/** The logistic transform of a margin, clamped against exp overflow. */
export function float32Sigmoid(margin: number): number {
  const x = Math.min(-f(margin), EXP_CLAMP);
  const denom = f(f(f(Math.exp(x)) + 1) + SIGMOID_EPS);
  return f(1 / denom);
}

/** Softmax of `values[start .. start+n)` in place: float32 exponentials, a double sum. */
export function float32SoftmaxInPlace(values: Float32Array, start: number, n: number): void {
  let max = values[start] as number;
  for (let i = 1; i < n; i++) max = Math.max(max, values[start + i] as number);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = f(Math.exp(f((values[start + i] as number) - max)));
    values[start + i] = e;
    sum += e;
  }
  const denom = f(sum);
  for (let i = 0; i < n; i++) values[start + i] = f((values[start + i] as number) / denom);
}
