/**
 * The PRNG behind every random choice of this package (token sampling now, diffusion noise later).
 * A miner and a validator that start from the same seed draw the same numbers on any machine:
 * the algorithm is specified here bit for bit, and docs/models.md repeats the rule.
 *
 * - Generator: xoshiro128** (four 32-bit words of state, period 2^128 - 1).
 * - Seeding: the seed is an integer in [0, 2^64). Two SplitMix64 outputs fill the state:
 *   s0 = low 32 bits of the first output, s1 = its high 32 bits, s2/s3 likewise from the second.
 *   An all-zero state (impossible in practice) is replaced by s0 = 1.
 * - nextUint32(): the xoshiro128** output (rotl(s1 * 5, 7) * 9) and then the state step.
 * - nextFloat64(): two draws a, b; ((a >>> 5) * 2^26 + (b >>> 6)) / 2^53, a uniform in [0, 1).
 * - nextNormal(): Box–Muller on a pair (u1 = 1 - nextFloat64(), u2 = nextFloat64()):
 *   r = sqrt(-2 ln u1), z0 = r cos(2π u2), z1 = r sin(2π u2); z0 is returned first, z1 on the
 *   next call. Math.log/cos/sin are V8's fdlibm ports, identical on every platform Node runs on.
 */
const MASK64 = (1n << 64n) - 1n;
const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

export type Seed = number | bigint;

function toSeed(seed: Seed): bigint {
  const value = typeof seed === 'bigint' ? seed : BigInt(seed);
  if (typeof seed === 'number' && (!Number.isSafeInteger(seed) || seed < 0)) {
    throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
  }
  if (value < 0n || value > MASK64) {
    throw new RangeError(`seed must be in [0, 2^64), got ${value}`);
  }
  return value;
}

/** One SplitMix64 step: returns [next state, output]. */
export function splitMix64(state: bigint): [bigint, bigint] {
  const next = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return [next, z ^ (z >> 31n)];
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | undefined;

  constructor(seed: Seed) {
    const [state1, out1] = splitMix64(toSeed(seed));
    const [, out2] = splitMix64(state1);
    this.s0 = Number(out1 & 0xffffffffn);
    this.s1 = Number(out1 >> 32n);
    this.s2 = Number(out2 & 0xffffffffn);
    this.s3 = Number(out2 >> 32n);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextFloat64(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * TWO_POW_26 + b) / TWO_POW_53;
  }

  /** Standard normal by Box–Muller; pairs are consumed in order (z0, then z1). */
  nextNormal(): number {
    if (this.spareNormal !== undefined) {
      const z1 = this.spareNormal;
      this.spareNormal = undefined;
      return z1;
    }
    const u1 = 1 - this.nextFloat64();
    const u2 = this.nextFloat64();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.spareNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Fills `out` with standard normals in order (rounded to float32 when `out` is a Float32Array). */
  fillNormal<T extends Float32Array | Float64Array>(out: T): T {
    for (let i = 0; i < out.length; i++) out[i] = this.nextNormal();
    return out;
  }
}

export function createRng(seed: Seed): Xoshiro128 {
  return new Xoshiro128(seed);
}
