const view = new DataView(new ArrayBuffer(4));

function orderedBits(value: number): number {
  view.setFloat32(0, value);
  const bits = view.getInt32(0);
  // Map the sign-magnitude layout onto a monotone integer line (-0 and +0 both land on 0).
  return bits < 0 ? -(bits & 0x7fffffff) : bits;
}

/** How many float32 values lie between `a` and `b` (0 when equal as float32). */
export function float32UlpDistance(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  return Math.abs(orderedBits(a) - orderedBits(b));
}
