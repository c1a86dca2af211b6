/**
 * Arithmetic as numpy does it, so that weight processing matches the Python SDK bit for bit.
 * `f32` rounds every intermediate to float32; `f64` is plain JS arithmetic.
 */
export type Dtype = 'float32' | 'float64';

export const round32 = Math.fround;

export function cast(dtype: Dtype): (x: number) => number {
  return dtype === 'float32' ? Math.fround : (x) => x;
}

/**
 * `np.sum` of a contiguous 1-D array: numpy's pairwise summation (8 accumulators in blocks of
 * up to 128, recursive halving above) in the array's dtype.
 */
export function npSum(a: ArrayLike<number>, dtype: Dtype): number {
  return pairwise(a, 0, a.length, cast(dtype));
}

function pairwise(
  a: ArrayLike<number>,
  start: number,
  n: number,
  c: (x: number) => number,
): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = c(res + (a[start + i] as number));
    return res;
  }
  if (n <= 128) {
    const r = new Array<number>(8);
    for (let j = 0; j < 8; j++) r[j] = a[start + j] as number;
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] = c((r[j] as number) + (a[start + i + j] as number));
    }
    const [r0, r1, r2, r3, r4, r5, r6, r7] = r as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    let res = c(c(c(r0 + r1) + c(r2 + r3)) + c(c(r4 + r5) + c(r6 + r7)));
    for (; i < n; i++) res = c(res + (a[start + i] as number));
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return c(pairwise(a, start, n2, c) + pairwise(a, start + n2, n - n2, c));
}

/** `np.cumsum`: sequential, in the dtype. */
export function npCumsum(a: ArrayLike<number>, dtype: Dtype): number[] {
  const c = cast(dtype);
  const out: number[] = [];
  let acc = 0;
  for (let i = 0; i < a.length; i++) {
    acc = i === 0 ? (a[0] as number) : c(acc + (a[i] as number));
    out.push(acc);
  }
  return out;
}

/** Python's `round()` on a float: to the nearest integer, ties to even. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
