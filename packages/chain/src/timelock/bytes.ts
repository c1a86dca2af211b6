/**
 * Byte helpers for the two encodings the timelock format mixes, SCALE (compact lengths, u16/u64
 * little-endian; also what the hash of a weights commit is taken over) and arkworks' `CanonicalSerialize` (u64 little-endian length prefixes).
 *
 * `BoundedReader` never reads past its buffer and never allocates from a declared length: every
 * length is compared against the bytes that are actually left (and, where given, a caller's bound)
 * before anything is sliced. Slices are views (`subarray`), not copies.
 */
import { ChainError, ChainErrorCode } from '../errors.js';
import { TimelockError, type TimelockErrorReason } from './timelockError.js';

export const U16_MAX = 0xffff;
export const U64_MAX = (1n << 64n) - 1n;

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function u16le(n: number): Uint8Array {
  return new Uint8Array([n & 0xff, (n >>> 8) & 0xff]);
}

/** SCALE `Vec<u16>`; a value that is not a u16 is refused, naming `field`. */
export function vecU16(xs: readonly number[], field: string): Uint8Array {
  const parts: Uint8Array[] = [compactU32(xs.length)];
  for (const x of xs) parts.push(checkedU16(x, field));
  return concatBytes(...parts);
}

/** `u16le` of a value checked to be a u16 (else InvalidArgument naming `field`). */
export function checkedU16(x: number, field: string): Uint8Array {
  if (!Number.isInteger(x) || x < 0 || x > U16_MAX) {
    throw new ChainError(ChainErrorCode.InvalidArgument, `${field} holds ${x}, not a u16`);
  }
  return u16le(x);
}

export function u64le(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n, true);
  return out;
}

/** SCALE `Compact<u32>` (what prefixes a `Vec`); `n` must be an integer in [0, 2^32). */
export function compactU32(n: number): Uint8Array {
  if (n < 1 << 6) return new Uint8Array([n << 2]);
  if (n < 1 << 14) return u16le((n << 2) | 0b01);
  if (n < 2 ** 30) {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, ((n << 2) | 0b10) >>> 0, true);
    return out;
  }
  const out = new Uint8Array(5);
  out[0] = 0b11; // big-integer mode, 4 bytes follow
  new DataView(out.buffer).setUint32(1, n >>> 0, true);
  return out;
}

/** arkworks `Vec<u8>` serialisation: u64 little-endian length, then the bytes. */
export function arkBytes(b: Uint8Array): Uint8Array {
  return concatBytes(u64le(BigInt(b.length)), b);
}

export interface ReaderOptions {
  /** Names the structure in error messages ("TLE", "envelope", "weights payload"). */
  what: string;
  /** Reason given when the bytes do not parse (default `malformed`). */
  reason?: TimelockErrorReason;
}

export class BoundedReader {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  readonly #what: string;
  readonly #reason: TimelockErrorReason;
  #pos = 0;

  constructor(buf: Uint8Array, options: ReaderOptions) {
    this.#buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.#what = options.what;
    this.#reason = options.reason ?? 'malformed';
  }

  get remaining(): number {
    return this.#buf.length - this.#pos;
  }

  get offset(): number {
    return this.#pos;
  }

  fail(message: string, reason: TimelockErrorReason = this.#reason): never {
    throw new TimelockError(reason, `${this.#what} at byte ${this.#pos}: ${message}`);
  }

  take(n: number, field: string): Uint8Array {
    if (n > this.remaining) {
      this.fail(`${field} needs ${n} bytes, ${this.remaining} left`);
    }
    const out = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  u8(field: string): number {
    return this.take(1, field)[0] as number;
  }

  u16(field: string): number {
    this.take(2, field);
    return this.#view.getUint16(this.#pos - 2, true);
  }

  u64(field: string): bigint {
    this.take(8, field);
    return this.#view.getBigUint64(this.#pos - 8, true);
  }

  /**
   * SCALE `Compact<u32>`, as `parity-scale-codec` decodes it: non-canonical encodings (a value
   * that fits a shorter mode) and big-integer mode with other than 4 bytes are refused.
   */
  compactU32(field: string): number {
    const b0 = this.u8(field);
    switch (b0 & 0b11) {
      case 0b00:
        return b0 >>> 2;
      case 0b01: {
        const v = (b0 | (this.u8(field) << 8)) >>> 2;
        if (v < 1 << 6) this.fail(`${field}: non-canonical compact`);
        return v;
      }
      case 0b10: {
        const rest = this.take(3, field);
        const raw =
          (b0 | ((rest[0] as number) << 8) | ((rest[1] as number) << 16)) +
          (rest[2] as number) * 2 ** 24;
        const v = Math.floor(raw / 4);
        if (v < 1 << 14) this.fail(`${field}: non-canonical compact`);
        return v;
      }
      default: {
        if (b0 >>> 2 !== 0) this.fail(`${field}: compact does not fit a u32`);
        this.take(4, field);
        const v = this.#view.getUint32(this.#pos - 4, true);
        if (v < 2 ** 30) this.fail(`${field}: non-canonical compact`);
        return v;
      }
    }
  }

  /**
   * A SCALE `Vec` length: compact, then checked against the bytes left (`elementSize` each) and
   * against `max` elements when given.
   */
  vecLength(field: string, elementSize: number, max?: number): number {
    const n = this.compactU32(field);
    if (max !== undefined && n > max) {
      this.fail(`${field} has ${n} elements, more than the bound ${max}`, 'too-large');
    }
    if (n * elementSize > this.remaining) {
      this.fail(`${field} declares ${n} elements, only ${this.remaining} bytes left`);
    }
    return n;
  }

  /**
   * An arkworks `Vec<u8>`: a u64 little-endian length, checked against the bytes left (and `max`
   * when given) before the bytes are taken.
   */
  arkBytes(field: string, max?: number): Uint8Array {
    const n = this.u64(field);
    if (max !== undefined && n > BigInt(max)) {
      this.fail(`${field} declares ${n} bytes, more than the bound ${max}`, 'too-large');
    }
    if (n > BigInt(this.remaining)) {
      this.fail(`${field} declares ${n} bytes, only ${this.remaining} left`);
    }
    return this.take(Number(n), field);
  }

  /** arkworks `Vec<u8>` whose length must be exactly `n`. */
  arkBytesExact(field: string, n: number): Uint8Array {
    const len = this.u64(field);
    if (len !== BigInt(n)) this.fail(`${field} must be ${n} bytes, declares ${len}`);
    return this.take(n, field);
  }

  end(): void {
    if (this.remaining !== 0) this.fail(`${this.remaining} bytes left over`);
  }
}
