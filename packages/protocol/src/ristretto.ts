/**
 * Whether 32 bytes are a valid ristretto255 encoding (RFC 9496 §4.3.1, "Decode"), i.e. an sr25519
 * public key schnorrkel can decompress. The wasm build of schnorrkel panics on one that is not
 * (printing a stack trace to stderr, which any peer could repeat by naming such a key as its
 * hotkey), so `SignatureVerifier` asks this first, once per address. Variable time, BigInt
 * arithmetic (about 0.1 ms): it runs on public keys only.
 */

const P = 2n ** 255n - 19n;
const mod = (x: bigint): bigint => {
  const r = x % P;
  return r < 0n ? r + P : r;
};

function pow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}

const isNegative = (x: bigint): boolean => (mod(x) & 1n) === 1n;
const abs = (x: bigint): bigint => (isNegative(x) ? mod(-x) : mod(x));

/** d = -121665 / 121666, the Edwards curve constant. */
const D = mod(-121665n * pow(121666n, P - 2n));
/** A square root of -1: 2^((p-1)/4). */
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

/** RFC 9496 SQRT_RATIO_M1: whether u/v is a square, and the non-negative root (or of i·u/v). */
function sqrtRatioM1(u: bigint, v: bigint): { wasSquare: boolean; root: bigint } {
  const v3 = mod(v * v * v);
  const v7 = mod(v3 * v3 * v);
  let r = mod(mod(u * v3) * pow(u * v7, (P - 5n) / 8n));
  const check = mod(v * r * r);
  const correct = check === mod(u);
  const flipped = check === mod(-u);
  const flippedI = check === mod(-u * SQRT_M1);
  if (flipped || flippedI) r = mod(r * SQRT_M1);
  return { wasSquare: correct || flipped, root: abs(r) };
}

export function isRistrettoEncoding(bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false;
  let s = 0n;
  for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(bytes[i] as number);
  // Canonical (below p, top bit clear) and non-negative (even).
  if (s >= P || (s & 1n) === 1n) return false;
  const ss = mod(s * s);
  const u1 = mod(1n - ss);
  const u2 = mod(1n + ss);
  const u2Squared = mod(u2 * u2);
  const v = mod(-(D * mod(u1 * u1)) - u2Squared);
  const { wasSquare, root: invSqrt } = sqrtRatioM1(1n, mod(v * u2Squared));
  const denX = mod(invSqrt * u2);
  const denY = mod(mod(invSqrt * denX) * v);
  const x = abs(2n * s * denX);
  const y = mod(u1 * denY);
  const t = mod(x * y);
  return wasSquare && !isNegative(t) && y !== 0n;
}
